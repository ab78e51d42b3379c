"""The one URL fetcher WeasyPrint may use: data: URLs and regular files inside the project, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcherResponse

MAX_RESOURCE_BYTES = 20_000_000


class ProjectFetcher(weasyprint.URLFetcher):
    """Serves data: URLs and regular files inside the allowed folders; refuses everything else."""

    def __init__(self, allowed_roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self._roots = tuple(Path(r).resolve() for r in allowed_roots)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"refused {url}: only files inside the project may be loaded")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self._roots):
            raise ValueError(f"refused {url}: outside the project")
        if not path.is_file():
            raise ValueError(f"refused {url}: not a regular file")
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            raise ValueError(f"refused {url}: larger than {MAX_RESOURCE_BYTES // 1_000_000} MB")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())
