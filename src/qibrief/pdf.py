"""The PDF: WeasyPrint renders the finished HTML with the print stylesheets, reading only project files."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence
from urllib.parse import unquote, urlsplit

from .problems import BuildError, Problem

MAX_RESOURCE_BYTES = 20_000_000


def _fetcher_class():
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

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

    return ProjectFetcher


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _collect_weasyprint_log() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def pdf_identifier(document: str) -> bytes:
    """A PDF /ID derived from the document's content, so the same sources give the same bytes."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32].encode("ascii")


def render_pdf(
    document: str,
    *,
    stylesheets: Sequence[tuple[str, Path]],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    display: str,
    pdf_variant: str | None = None,
) -> tuple[bytes, list[Problem]]:
    """Render HTML to PDF bytes; stylesheets are (css text, folder its url()s resolve against)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher_class()(allowed_roots)
    fonts = FontConfiguration()
    with _collect_weasyprint_log() as log:
        try:
            css = [
                weasyprint.CSS(string=text, base_url=folder.resolve().as_uri() + "/", url_fetcher=fetcher, font_config=fonts)
                for text, folder in stylesheets
            ]
            html = weasyprint.HTML(string=document, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
            pdf = html.write_pdf(
                stylesheets=css,
                font_config=fonts,
                pdf_identifier=pdf_identifier(document),
                pdf_variant=pdf_variant,
                pdf_tags=True,
            )
        except (RecursionError, ZeroDivisionError, OverflowError) as exc:
            raise BuildError(f"{display}: WeasyPrint could not lay out the document ({type(exc).__name__}); "
                             "look for pathological nesting or page sizes") from None
    problems = [Problem(display, None, f"weasyprint: {message}") for message in log.messages]
    return pdf, problems
