"""The PDF: WeasyPrint renders the finished HTML with the print stylesheets, reading only project files."""

from __future__ import annotations

import hashlib
import logging
import sys
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


def import_weasyprint():
    """WeasyPrint, imported without cffi's library search (every first import goes through here)."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    # WeasyPrint tries names like 'libpango-1.0-0' before 'libpango-1.0.so.0'; for each name cffi cannot
    # open, it asks ctypes.util.find_library, which runs ldconfig, gcc and ld: 0.35 s of CPU in child
    # processes, for libraries the dynamic loader then opens by their .so names anyway. Where that search is
    # needed after all (an unusual system), the import is retried with it.
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint
    finally:
        ctypes.util.find_library = search
    return weasyprint


LAYOUT_SECONDS = 120
# The address space the process laying out may hold while WeasyPrint parses the stylesheets and lays out
# (RLIMIT_AS, set for those steps only): brief 50's build process peaks at about 450 MB of it (100 MB resident).
LAYOUT_MEMORY_BYTES = 2 * 1024**3
# How often the limits are looked at (s): the clock, the process's size, and the caller's `check`.
_TICK_SECONDS = 0.25
# The watchdog stops the layout a little before the hard limit, where a C library's failed allocation could
# end the process without a message.
_WATCHDOG_SHARE = 0.9


class _Stopped(BaseException):
    # Not an Exception: WeasyPrint catches and logs Exceptions in places (fetching, fonts), which would
    # swallow the stop if it fired there.
    def __init__(self, why: str, error: BuildError | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.error = error


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as stream:
            return int(stream.read().split()[0]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


try:
    import resource

    _PAGE_BYTES = resource.getpagesize()
except ImportError:  # pragma: no cover - not Unix
    resource = None  # type: ignore[assignment]
    _PAGE_BYTES = 4096


@contextmanager
def _limits(seconds: float, memory_bytes: int, check: Callable[[], None] | None = None) -> Iterator[None]:
    """Bound what runs inside: past `seconds` raise _Stopped('time'); over `memory_bytes` of address space
    _Stopped('memory') (a watchdog at 90%, and RLIMIT_AS at the limit, where an allocation fails with
    MemoryError); and `check` (which may raise BuildError, e.g. when the side process died) is run every tick.
    Only the main thread can take the alarm; elsewhere nothing is bounded."""
    import signal
    import threading
    import time

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline = time.monotonic() + seconds
    watermark = memory_bytes * _WATCHDOG_SHARE

    def tick(signum, frame):
        # Raised again on every tick: an exception raised inside a gc or weakref callback (Hypothesis registers
        # one) is printed and dropped, and the work would go on.
        if time.monotonic() >= deadline:
            raise _Stopped("time")
        if _address_space() > watermark:
            raise _Stopped("memory")
        if check is not None:
            try:
                check()
            except BuildError as exc:
                raise _Stopped("check", exc) from None

    previous = signal.signal(signal.SIGALRM, tick)
    # Restart system calls the alarm interrupts (SA_RESTART): the C libraries under WeasyPrint need not see EINTR.
    signal.siginterrupt(signal.SIGALRM, False)
    signal.setitimer(signal.ITIMER_REAL, min(_TICK_SECONDS, seconds), _TICK_SECONDS)
    saved = None
    if resource is not None:
        try:
            saved = resource.getrlimit(resource.RLIMIT_AS)
            hard = saved[1]
            soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        except (ValueError, OSError):
            saved = None
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if saved is not None:
            resource.setrlimit(resource.RLIMIT_AS, saved)


def _stopped(exc: _Stopped | MemoryError, where: str, doing: str) -> BuildError:
    """The one-line BuildError for a step stopped by _limits or by a failed allocation."""
    if isinstance(exc, _Stopped) and exc.error is not None:
        return exc.error
    if isinstance(exc, _Stopped) and exc.why == "time":
        return BuildError(f"{where}: {doing} ran past {LAYOUT_SECONDS} s and was stopped; look for runaway content "
                          "(huge tables, thousands of pages) or page rules")
    return BuildError(f"{where}: {doing} ran out of its {LAYOUT_MEMORY_BYTES / 1024**3:g} GB memory limit and was "
                      "stopped; look for runaway content (huge tables, thousands of pages, enormous stylesheets)")


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


def _finisher(bleed: float | None) -> Callable:
    """WeasyPrint's finisher: the print PDF's BleedBox (`bleed` points, when given), and pydyf's writing made to
    serialize each object once."""
    set_bleed = _set_bleed_box(bleed) if bleed is not None else None

    def finish(document, pdf) -> None:
        if set_bleed is not None:
            set_bleed(document, pdf)
        _write_once(pdf)

    return finish


# The pydyf classes whose bytes are a property computed on every read.
_SERIALIZED = ("Dictionary", "Array", "String", "Stream")


def _write_once(pdf) -> None:
    """Make pdf.write compute each object's bytes once. pydyf's `data` is a property: write() reads every object's
    a second time to hash them for the /ID (pdf_identifier), deflating every stream (level 9) and serializing
    every dictionary again, the structure tree's thousands included: a seventh of a tagged PDF's render. The
    bytes are the same; only the second computation is skipped."""
    import pydyf

    write = pdf.write

    def once(*args, **kwargs):
        # Keyed by id() with the object kept alive beside its bytes (no id reused while writing); nothing changes
        # an object's content inside write(). The classes are restored whatever happens.
        computed: dict[int, tuple[object, bytes]] = {}
        originals = {name: getattr(pydyf, name).__dict__["data"] for name in _SERIALIZED}

        def cached(compute):
            def data(self):
                found = computed.get(id(self))
                if found is None:
                    found = computed[id(self)] = (self, compute(self))
                return found[1]
            return property(data)

        for name, prop in originals.items():
            setattr(getattr(pydyf, name), "data", cached(prop.fget))
        try:
            return write(*args, **kwargs)
        finally:
            for name, prop in originals.items():
                setattr(getattr(pydyf, name), "data", prop)

    pdf.write = once


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


def _stylesheets(stylesheets: tuple[tuple, ...], allowed_roots: tuple[Path, ...]):
    # Each stylesheet is (css text, folder its url()s resolve against[, its name in messages]).
    key = (stylesheets, allowed_roots, _folder_fingerprint({sheet[1] for sheet in stylesheets}))
    if key not in _STYLESHEET_CACHE:
        weasyprint = import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        from .fetcher import ProjectFetcher

        fetcher = ProjectFetcher(allowed_roots)
        fonts = FontConfiguration()
        # @color-profile rules register here; render() needs the same dict for the output intent.
        profiles: dict = {}
        css = []
        with _collect_weasyprint_log() as log:
            for text, folder, *name in stylesheets:
                try:
                    css.append(weasyprint.CSS(string=text, base_url=folder.resolve().as_uri() + "/",
                                              url_fetcher=fetcher, font_config=fonts, color_profiles=profiles))
                except (_Stopped, MemoryError) as exc:
                    # Named here: the caller's message would blame the layout.
                    shown = name[0] if name else "a stylesheet"
                    raise _stopped(exc, shown, "WeasyPrint's parse of this stylesheet") from None
        if len(_STYLESHEET_CACHE) >= 4:
            _STYLESHEET_CACHE.pop(next(iter(_STYLESHEET_CACHE)))
        _STYLESHEET_CACHE[key] = (fetcher, css, fonts, profiles, tuple(log.messages))
    return _STYLESHEET_CACHE[key]


def _drop_attachments(rendered) -> int:
    """Remove every file attachment from a rendered document, whatever asked for it: <link rel=attachment>
    (document metadata) and <a rel=attachment> (links of type 'attachment'). Returns how many were dropped.

    The fetcher refuses files outside the project, but a file inside it (references.yaml, a section, .git/
    when the brief is a repository) must not ride along in a PDF either: no PDF of ours carries attachments.
    """
    dropped = len(rendered.metadata.attachments)
    rendered.metadata.attachments = []
    for page in rendered.pages:
        kept = [link for link in page.links if link[0] != "attachment"]
        dropped += len(page.links) - len(kept)
        page.links = kept
    return dropped


def render_pdf(
    document: str,
    *,
    stylesheets: Sequence[tuple[str, Path]],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    display: str,
    pdf_variant: str | None = "pdf/ua-1",
    before_layout: Callable[[], None] | None = None,
    check: Callable[[], None] | None = None,
    bleed: float | None = None,
) -> tuple[bytes, set[str], list[Problem]]:
    """Render HTML to PDF bytes; return them, the font families used, and WeasyPrint's logged problems.

    Stylesheets are (css text, folder its url()s resolve against[, name in messages]). `before_layout` runs
    once the HTML is parsed, before anything is laid out; it may raise to stop the render. Parsing the
    stylesheets and the layout run within LAYOUT_SECONDS and LAYOUT_MEMORY_BYTES; `check` runs every quarter
    second meanwhile and may raise BuildError to stop them (the pipeline's side process died). The PDF never
    carries a file attachment (dropped, and reported as a problem). `bleed` (points) sets each page's BleedBox
    to the trim plus that much (the print PDF's).
    """
    weasyprint = import_weasyprint()

    try:
        with _limits(LAYOUT_SECONDS, LAYOUT_MEMORY_BYTES, check):
            # Parsed inside the limits too: a 30 MB stylesheet took 163 s and 2.9 GB.
            fetcher, css, fonts, profiles, css_messages = _stylesheets(tuple(stylesheets), tuple(allowed_roots))
            with _collect_weasyprint_log() as log:
                log.messages.extend(css_messages)
                html = weasyprint.HTML(string=document, base_url=base_dir.resolve().as_uri() + "/",
                                       url_fetcher=fetcher)
                if before_layout is not None:
                    before_layout()
                rendered = html.render(stylesheets=css, font_config=fonts, color_profiles=profiles,
                                       pdf_tags=pdf_variant is not None)
                attachments = _drop_attachments(rendered)
                # No attachments= either: the PDF embeds no file.
                pdf = rendered.write_pdf(
                    pdf_identifier=pdf_identifier(document),
                    pdf_variant=pdf_variant,
                    pdf_tags=pdf_variant is not None,
                    finisher=_finisher(bleed),
                )
    except (RecursionError, ZeroDivisionError, OverflowError) as exc:
        raise BuildError(f"{display}: WeasyPrint could not lay out the document ({type(exc).__name__}); "
                         "look for pathological nesting or page sizes") from None
    except (_Stopped, MemoryError) as exc:
        raise _stopped(exc, display, "WeasyPrint's layout") from None
    families = {font.family for font in rendered.fonts.values()}
    problems = [Problem(display, None, f"weasyprint: {message}") for message in log.messages]
    if attachments:
        problems.append(Problem(display, None, f"the document asks to attach {attachments} file(s) "
                                               '(rel="attachment"); a PDF gets no attachments, refused'))
    return pdf, families, problems
