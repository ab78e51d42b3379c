"""The one URL fetcher WeasyPrint may use: data: URLs and regular files inside the project, nothing else.

Files are read by brieffiles.read_bytes (no link out of the project, no hidden file, regular, at most
MAX_RESOURCE_BYTES).

Images are checked before WeasyPrint decodes them: a raster image whose header declares more than
images.MAX_IMAGE_PIXELS (a decompression bomb: a small PNG can claim 400 megapixels) and an SVG with a DOCTYPE
(entity expansion bombs need one) are refused, and WeasyPrint logs the refusal, which fails the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcherResponse

from . import brieffiles
from .brieffiles import MAX_RESOURCE_BYTES
from .images import check_image_bytes


class ProjectFetcher(weasyprint.URLFetcher):
    """Serves data: URLs and regular files inside the allowed folders; refuses everything else."""

    def __init__(self, allowed_roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self._roots = tuple(Path(r).resolve() for r in allowed_roots)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            response = super().fetch(url, headers)
            data = response.read(MAX_RESOURCE_BYTES + 1)
            response.close()
            if len(data) > MAX_RESOURCE_BYTES:
                raise ValueError(f"refused a data: URL larger than {MAX_RESOURCE_BYTES // 1_000_000} MB")
            check_image(data, "a data: URL")
            return URLFetcherResponse(response.url, data, response.headers)
        if scheme != "file":
            raise ValueError(f"refused {url}: only files inside the project may be loaded")
        path = Path(unquote(urlsplit(url).path))
        if not any(path.resolve().is_relative_to(root) for root in self._roots):
            raise ValueError(f"refused {url}: outside the project")
        try:
            data = brieffiles.read_bytes(path, display=url, within=self._roots, limit=MAX_RESOURCE_BYTES)
        except brieffiles.FileRefused as exc:
            raise ValueError(f"refused {exc.problem}") from None
        check_image(data, url)
        return URLFetcherResponse(path.resolve().as_uri(), data)


def check_image(data: bytes, where: str) -> None:
    """Raise ValueError for an image too large to decode safely or an SVG with a DOCTYPE; pass anything else."""
    try:
        check_image_bytes(data)
    except ValueError as exc:
        raise ValueError(f"refused {where}: {exc}") from None
