"""The PDF: WeasyPrint renders the finished HTML with the print stylesheets, reading only project files."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .problems import BuildError, Problem

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


LAYOUT_SECONDS = 120


class _LayoutTimeout(BaseException):
    # Not an Exception: WeasyPrint catches and logs Exceptions in places (fetching, fonts), which would
    # swallow the timeout if it fired there.
    pass


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise _LayoutTimeout in this (main) thread after `seconds`; elsewhere, no limit can be set."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _LayoutTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    # Then again every half second: an exception raised inside a gc or weakref callback (Hypothesis
    # registers one) is printed and dropped, and the layout would go on.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# The printer's bleed around the trim (0.125 in). styles/press.css asks WeasyPrint for a larger bleed, which
# becomes the MediaBox and holds the crop and cross marks in its outer half; WeasyPrint's own BleedBox is the
# trim plus at most 10 pt, whatever the CSS says, so the print PDF's is set here.
PRESS_BLEED_PT = 9.0


def _set_bleed_box(bleed: float) -> Callable:
    """A WeasyPrint finisher that sets every page's BleedBox to its TrimBox grown by `bleed` points, within the
    MediaBox."""
    import pydyf

    def finish(document, pdf) -> None:
        kids = pdf.pages["Kids"]
        for number in kids[0::3]:
            page = pdf.objects[number]
            left, top, right, bottom = page["TrimBox"]
            m_left, m_top, m_right, m_bottom = page["MediaBox"]
            page["BleedBox"] = pydyf.Array([max(m_left, left - bleed), max(m_top, top - bleed),
                                            min(m_right, right + bleed), min(m_bottom, bottom + bleed)])

    return finish


def pdf_identifier(document: str) -> bytes:
    """A PDF /ID derived from the document's content, so the same sources give the same bytes."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32].encode("ascii")


# Parsed stylesheets with their fonts, kept while the process lives: a watching build re-renders with the
# same CSS, and parsing it and loading the brand fonts is a fifth of a render. Messages logged while
# parsing are kept too and replayed, so a cached stylesheet fails a build exactly as a fresh one would.
_STYLESHEET_CACHE: dict = {}


def _folder_fingerprint(folders: set[Path]) -> tuple:
    # Fonts and profiles are read through url()s: a file changed in place must not hit the cache.
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                        for folder in folders for p in folder.rglob("*") if p.is_file()))


def _stylesheets(stylesheets: tuple[tuple[str, Path], ...], allowed_roots: tuple[Path, ...]):
    key = (stylesheets, allowed_roots, _folder_fingerprint({folder for _, folder in stylesheets}))
    if key not in _STYLESHEET_CACHE:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from .fetcher import ProjectFetcher

        fetcher = ProjectFetcher(allowed_roots)
        fonts = FontConfiguration()
        # @color-profile rules register here; render() needs the same dict for the output intent.
        profiles: dict = {}
        with _collect_weasyprint_log() as log:
            css = [
                weasyprint.CSS(string=text, base_url=folder.resolve().as_uri() + "/", url_fetcher=fetcher,
                               font_config=fonts, color_profiles=profiles)
                for text, folder in stylesheets
            ]
        if len(_STYLESHEET_CACHE) >= 4:
            _STYLESHEET_CACHE.pop(next(iter(_STYLESHEET_CACHE)))
        _STYLESHEET_CACHE[key] = (fetcher, css, fonts, profiles, tuple(log.messages))
    return _STYLESHEET_CACHE[key]


def render_pdf(
    document: str,
    *,
    stylesheets: Sequence[tuple[str, Path]],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    display: str,
    pdf_variant: str | None = "pdf/ua-1",
    before_layout: Callable[[], None] | None = None,
    bleed: float | None = None,
) -> tuple[bytes, set[str], list[Problem]]:
    """Render HTML to PDF bytes; return them, the font families used, and WeasyPrint's logged problems.

    Stylesheets are (css text, folder its url()s resolve against). `before_layout` runs once the HTML is
    parsed, before anything is laid out; it may raise to stop the render. `bleed` (points) sets each page's
    BleedBox to the trim plus that much (the print PDF's).
    """
    import weasyprint

    fetcher, css, fonts, profiles, css_messages = _stylesheets(tuple(stylesheets), tuple(allowed_roots))
    with _collect_weasyprint_log() as log, _time_limit(LAYOUT_SECONDS):
        log.messages.extend(css_messages)
        try:
            html = weasyprint.HTML(string=document, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
            if before_layout is not None:
                before_layout()
            rendered = html.render(stylesheets=css, font_config=fonts, color_profiles=profiles,
                                   pdf_tags=pdf_variant is not None)
            pdf = rendered.write_pdf(
                pdf_identifier=pdf_identifier(document),
                pdf_variant=pdf_variant,
                pdf_tags=pdf_variant is not None,
                finisher=_set_bleed_box(bleed) if bleed is not None else None,
            )
        except (RecursionError, ZeroDivisionError, OverflowError) as exc:
            raise BuildError(f"{display}: WeasyPrint could not lay out the document ({type(exc).__name__}); "
                             "look for pathological nesting or page sizes") from None
        except _LayoutTimeout:
            raise BuildError(f"{display}: WeasyPrint's layout ran past {LAYOUT_SECONDS} s and was stopped; look for "
                             "runaway content (huge tables, thousands of pages) or page rules") from None
    families = {font.family for font in rendered.fonts.values()}
    problems = [Problem(display, None, f"weasyprint: {message}") for message in log.messages]
    return pdf, families, problems
