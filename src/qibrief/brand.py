"""The brand (styles/brand.yaml): colours, fonts, sizes and the page, turned into CSS for the PDF and the web page
(docx/reference.py turns them into Word styles)."""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import BuildError, Problem
from .yamlfile import load_yaml


@dataclass(frozen=True)
class FontFace:
    """One vendored font file of a brand family."""

    family: str
    weight: int
    style: str
    path: Path
    web_path: Path


@dataclass(frozen=True)
class Font:
    """A brand font role (serif, sans) with its family, Word fallback and files."""

    role: str
    family: str
    docx_fallback: str
    faces: tuple[FontFace, ...]


@dataclass(frozen=True)
class Colour:
    """A brand colour in sRGB hex and CMYK percentages."""

    name: str
    rgb: str
    cmyk: tuple[float, float, float, float]


@dataclass(frozen=True)
class TextPair:
    """A text colour and a background it is set on; large text (18 pt, or 14 pt bold) needs less contrast."""

    text: str
    background: str
    large: bool = False

    @property
    def needed(self) -> float:
        """The contrast WCAG 2.1 AA asks of this pair."""
        return 3.0 if self.large else 4.5


@dataclass(frozen=True)
class Page:
    """The pages of the PDFs and the DOCX (brand.yaml's page:): size, margins (top, right, bottom, left) and the
    DOCX's running-head distances in inches, line heights as multiples of the font size, and the sizes in points
    of what only pages carry (the cover's lines, the running heads)."""

    width: float
    height: float
    margins: tuple[float, float, float, float]
    header: float
    footer: float
    line_heights: dict[str, float]
    sizes: dict[str, float]


@dataclass(frozen=True)
class Brand:
    """Everything the brand defines."""

    name: str
    colours: tuple[Colour, ...]
    fonts: tuple[Font, ...]
    sizes: dict[str, float]
    page: Page
    text_pairs: tuple[TextPair, ...] = ()

    def size(self, name: str) -> float:
        """A size in points by name, from sizes: or page.sizes: (read_brand keeps the names apart)."""
        return self.sizes[name] if name in self.sizes else self.page.sizes[name]

    def font(self, role: str) -> Font:
        """The font for a role such as 'serif' or 'sans'."""
        for font in self.fonts:
            if font.role == role:
                return font
        raise KeyError(role)

    def colour(self, name: str) -> Colour:
        """The colour of a given name."""
        for colour in self.colours:
            if colour.name == name:
                return colour
        raise KeyError(name)

    @property
    def families(self) -> set[str]:
        """The font families the brand names."""
        return {font.family for font in self.fonts}


# What the build itself names (docx/reference.py's styles, print.css): these must be in every brand.yaml.
REQUIRED_COLOURS = ("navy", "accent", "muted", "tint", "ink")
REQUIRED_FONTS = ("serif", "sans")
REQUIRED_SIZES = ("body", "note", "title", "pull-quote", "h1", "h2")
REQUIRED_PAGE_SIZES = ("series", "subtitle", "author", "affiliation", "running-head", "page-number")
REQUIRED_LINE_HEIGHTS = ("body", "title", "pull-quote", "note")
MARGIN_SIDES = ("top", "right", "bottom", "left")
# Colour, font role and size names become CSS custom properties (--qi-navy) and template variables (brand-navy).
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_RGB = re.compile(r"^#[0-9a-fA-F]{6}$")
# Font families are written into CSS strings and Word's XML: plain ASCII names only.
_FAMILY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,62}[A-Za-z0-9])?$")
# Font files: a relative path of plain names inside styles/ (no '..', no absolute path, nothing to escape in CSS).
_FONT_FILE = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}/){0,7}[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_FONT_SUFFIXES = {"print": (".ttf", ".otf"), "web": (".woff2",)}
# The first four bytes of each kind of font file: TrueType, OpenType (CFF), Apple TrueType; WOFF2.
_FONT_SIGNATURES = {"print": (b"\x00\x01\x00\x00", b"OTTO", b"true"), "web": (b"wOF2",)}
_BRAND_NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f<>\"\\{}]{1,100}$")
WEIGHTS = (100, 900)
FONT_STYLES = ("normal", "italic")
# Sizes in points: from a footnote's smallest to a poster title's largest.
SIZES = (4, 144)
# Page lengths in inches: a pocket card's to a tabloid's (Word takes pages up to 22 in); margins and the DOCX's
# running-head distances up to 4 in. Line heights: multiples of the font size.
PAGE_INCHES = (2, 22)
MARGIN_INCHES = (0, 4)
LINE_HEIGHTS = (0.8, 3)
_KEYS = {
    "brand": ("name", "colors", "text-pairs", "fonts", "sizes", "page"),
    "page": ("width", "height", "margins", "header", "footer", "line-heights", "sizes"),
    "margins": MARGIN_SIDES,
    "pair": ("text", "backgrounds", "large"),
    "colour": ("rgb", "cmyk"),
    "font": ("family", "docx-fallback", "files"),
    "file": ("weight", "style", "print", "web"),
}
_COLOUR_SHAPE = "{rgb: '#rrggbb', cmyk: [c, m, y, k]}"
_FILE_SHAPE = "{weight: 400, style: normal, print: fonts/x.ttf, web: fonts/x.woff2}"


def _shown(value: Any) -> str:
    """A value as a message may show it: short, one line, no control characters."""
    text = value if isinstance(value, str) else repr(value)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda found: f"\\u{ord(found.group(0)):04x}", text)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Collects the brand's problems, each at the line of the value it is about."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def at(self, mapping: Any, key: Any, message: str, *, value: bool = True) -> None:
        """A problem at a key's value (value=False: at the key itself)."""
        if hasattr(mapping, "where"):
            line, column = mapping.where(key, value=value and key is not None)
        else:
            line, column = None, None
        self.problems.append(Problem(self.display, line, message, column=column))

    def mapping(self, parent: Any, key: str, what: str, shape: str) -> dict | None:
        """parent[key] when it is a mapping; a problem (and None) when it is anything else."""
        value = parent.get(key)
        if isinstance(value, dict):
            return value
        self.at(parent, key, f"{what}: expected a mapping {shape}, not {_kind(value)}")
        return None

    def known_keys(self, mapping: dict, kind: str, what: str) -> None:
        for key in mapping:
            if key not in _KEYS[kind]:
                self.at(mapping, key, f"{what}: unknown key '{_shown(key)}' (expected {', '.join(_KEYS[kind])})",
                        value=False)

    def name(self, mapping: dict, key: Any, what: str) -> bool:
        if isinstance(key, str) and _NAME.match(key):
            return True
        self.at(mapping, key, f"{what} name '{_shown(key)}' must be lower-case letters, digits and hyphens",
                value=False)
        return False

    def required(self, mapping: dict, parent: dict, key: str, names: tuple[str, ...], what: str = "") -> None:
        missing = [name for name in names if name not in mapping]
        if missing:
            self.at(parent, key, f"{what or key}: missing {', '.join(missing)} (the build uses {', '.join(names)})")

    def number(self, mapping: dict, key: str, what: str, bounds: tuple[float, float], noun: str) -> float | None:
        """mapping[key] when it is a number within bounds; a problem (and None) when it is anything else."""
        value = mapping.get(key)
        if _is_number(value) and bounds[0] <= value <= bounds[1]:
            return float(value)
        self.at(mapping, key if key in mapping else None,
                f"{what}: expected {noun} from {bounds[0]:g} to {bounds[1]:g}, not {_kind(value)}")
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list {_shown(value)}"
    if isinstance(value, bool):
        return "true/false"
    return f"{type(value).__name__} '{_shown(value)}'"


def read_brand(styles_dir: Path, display: str) -> Brand:
    """Load styles/brand.yaml and check every value by type and pattern, and that every font file it names
    is in styles/; raise BuildError listing each problem at its line."""
    path = styles_dir / "brand.yaml"
    raw: Any = load_yaml(path, display)
    if not isinstance(raw, dict):
        raise BuildError("Brand refused.", [Problem(display, 1, "expected a mapping with colors:, fonts:, sizes:")])
    check = _Checker(display)
    check.known_keys(raw, "brand", "brand.yaml")
    name = raw.get("name", "")
    if name != "" and not (isinstance(name, str) and _BRAND_NAME.match(name)):
        check.at(raw, "name", f"name: expected a plain name of at most 100 characters, not {_kind(name)}")
    colours = _read_colours(raw, check)
    fonts = _read_fonts(raw, styles_dir, check)
    sizes = _read_sizes(raw, check)
    page = _read_page(raw, sizes, check)
    pairs = _read_text_pairs(raw, {colour.name: colour for colour in colours}, check)
    if check.problems or page is None:
        raise BuildError("Brand refused.", check.problems)
    return Brand(name=str(name or ""), colours=tuple(colours), fonts=tuple(fonts), sizes=sizes, page=page,
                 text_pairs=tuple(pairs))


def contrast_ratio(a: str, b: str) -> float:
    """The WCAG 2.1 contrast ratio of two colours written #rrggbb (1 to 21)."""
    def luminance(rgb: str) -> float:
        def linear(channel: int) -> float:
            c = channel / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(rgb[i:i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _read_text_pairs(raw: dict, colours: dict[str, Colour], check: _Checker) -> list[TextPair]:
    # Optional: a brand that declares its text colours gets each pair held to WCAG 2.1 AA at build time.
    if "text-pairs" not in raw:
        return []
    entries = raw["text-pairs"]
    shape = "{text: ink, backgrounds: [paper], large: false}"
    if not isinstance(entries, list):
        check.at(raw, "text-pairs", f"text-pairs: expected a list of {shape}, not {_kind(entries)}")
        return []
    pairs = []
    for index, entry in enumerate(entries, start=1):
        what = f"text-pairs[{index}]"
        if not isinstance(entry, dict):
            check.at(raw, "text-pairs", f"{what}: expected a mapping {shape}, not {_kind(entry)}")
            continue
        check.known_keys(entry, "pair", what)
        text, backgrounds, large = entry.get("text"), entry.get("backgrounds"), entry.get("large", False)
        if not isinstance(large, bool):
            check.at(entry, "large", f"{what}.large: expected true or false, not {_kind(large)}")
            continue
        if not (isinstance(backgrounds, list) and backgrounds):
            check.at(entry, "backgrounds" if "backgrounds" in entry else None,
                     f"{what}.backgrounds: expected a list of colour names, not {_kind(backgrounds)}")
            continue
        named = [(key, name) for key, names in (("text", [text]), ("backgrounds", backgrounds)) for name in names]
        unknown = [(key, name) for key, name in named if not (isinstance(name, str) and name in colours)]
        for key, name in unknown:
            check.at(entry, key if key in entry else None, f"{what}: '{_shown(name)}' is not a colour of colors:")
        if unknown:
            continue
        for background in backgrounds:
            pair = TextPair(text, background, large)
            ratio = contrast_ratio(colours[text].rgb, colours[background].rgb)
            if ratio < pair.needed:
                check.at(entry, "backgrounds", f"{what}: {text} {colours[text].rgb} on {background} "
                         f"{colours[background].rgb} has contrast {ratio:.2f}:1; WCAG 2.1 AA needs {pair.needed:g}:1"
                         + ("" if large else " (3:1 for large text: large: true)"))
                continue
            pairs.append(pair)
    return pairs


def _read_colours(raw: dict, check: _Checker) -> list[Colour]:
    table = check.mapping(raw, "colors", "colors", "of colour names to " + _COLOUR_SHAPE)
    if table is None:
        return []
    colours = []
    for name, spec in table.items():
        if not check.name(table, name, "colour"):
            continue
        what = f"colors.{name}"
        spec = check.mapping(table, name, what, _COLOUR_SHAPE)
        if spec is None:
            continue
        check.known_keys(spec, "colour", what)
        rgb, cmyk = spec.get("rgb"), spec.get("cmyk")
        good = True
        if not (isinstance(rgb, str) and _RGB.match(rgb)):
            check.at(spec, "rgb" if "rgb" in spec else None,
                     f"{what}.rgb: expected a colour written #rrggbb, not {_kind(rgb)}")
            good = False
        if not (isinstance(cmyk, list) and len(cmyk) == 4 and all(_is_number(v) and 0 <= v <= 100 for v in cmyk)):
            check.at(spec, "cmyk" if "cmyk" in spec else None,
                     f"{what}.cmyk: expected four numbers from 0 to 100, not {_kind(cmyk)}")
            good = False
        if good:
            colours.append(Colour(name, rgb, tuple(float(v) for v in cmyk)))  # type: ignore[arg-type]
    check.required(table, raw, "colors", REQUIRED_COLOURS)
    return colours


def _read_fonts(raw: dict, styles_dir: Path, check: _Checker) -> list[Font]:
    table = check.mapping(raw, "fonts", "fonts", "of roles (serif, sans) to {family:, docx-fallback:, files:}")
    if table is None:
        return []
    fonts = []
    for role, spec in table.items():
        if not check.name(table, role, "font role"):
            continue
        what = f"fonts.{role}"
        spec = check.mapping(table, role, what, "{family:, docx-fallback:, files: [...]}")
        if spec is None:
            continue
        check.known_keys(spec, "font", what)
        family, fallback, files = spec.get("family"), spec.get("docx-fallback", ""), spec.get("files")
        good = True
        for key, value in (("family", family), ("docx-fallback", fallback)):
            if (key == "family" or value != "") and not (isinstance(value, str) and _FAMILY.match(value)):
                check.at(spec, key if key in spec else None, f"{what}.{key}: expected a font family name of "
                         f"letters, digits, spaces and hyphens, not {_kind(value)}")
                good = False
        if not (isinstance(files, list) and files):
            check.at(spec, "files" if "files" in spec else None,
                     f"{what}.files: expected a list of {_FILE_SHAPE}, not {_kind(files)}")
            continue
        faces = [_read_face(entry, index, family if good else "", styles_dir, check, what, spec)
                 for index, entry in enumerate(files, start=1)]
        if good and all(faces):
            fonts.append(Font(role, family, fallback, tuple(faces)))  # type: ignore[arg-type]
    check.required(table, raw, "fonts", REQUIRED_FONTS)
    return fonts


def _read_face(entry: Any, index: int, family: str, styles_dir: Path, check: _Checker, font: str,
               spec: dict) -> FontFace | None:
    what = f"{font}.files[{index}]"
    if not isinstance(entry, dict):
        check.at(spec, "files", f"{what}: expected a mapping {_FILE_SHAPE}, not {_kind(entry)}")
        return None
    check.known_keys(entry, "file", what)
    weight, style = entry.get("weight", 400), entry.get("style", "normal")
    good = True
    if not (isinstance(weight, int) and not isinstance(weight, bool) and WEIGHTS[0] <= weight <= WEIGHTS[1]):
        check.at(entry, "weight", f"{what}.weight: expected a whole number from {WEIGHTS[0]} to {WEIGHTS[1]}, "
                                  f"not {_kind(weight)}")
        good = False
    if style not in FONT_STYLES:
        check.at(entry, "style", f"{what}.style: expected {' or '.join(FONT_STYLES)}, not {_kind(style)}")
        good = False
    paths = {}
    styles = styles_dir.resolve()
    for kind in ("print", "web"):
        name = entry.get(kind)
        where = kind if kind in entry else None
        if not (isinstance(name, str) and _FONT_FILE.match(name) and ".." not in name.split("/")
                and name.lower().endswith(_FONT_SUFFIXES[kind])):
            check.at(entry, where, f"{what}.{kind}: expected a relative path inside styles/ to a "
                                   f"{' or '.join(_FONT_SUFFIXES[kind])} file, not {_kind(name)}")
            good = False
            continue
        file = (styles_dir / name).resolve()
        if not file.is_relative_to(styles) or not file.is_file():
            check.at(entry, where, f"{kind} font file {name} for {family or font} not found in styles/")
            good = False
            continue
        if _signature(file) not in _FONT_SIGNATURES[kind]:
            check.at(entry, where, f"{kind} font file {name} is not a {' or '.join(_FONT_SUFFIXES[kind])} font")
            good = False
            continue
        paths[kind] = file
    if not good:
        return None
    return FontFace(family, weight, style, paths["print"], paths["web"])


def _signature(file: Path) -> bytes:
    try:
        with file.open("rb") as stream:
            return stream.read(4)
    except OSError:
        return b""


def _read_sizes(raw: dict, check: _Checker) -> dict[str, float]:
    table = check.mapping(raw, "sizes", "sizes", "of names to sizes in points")
    if table is None:
        return {}
    sizes = {}
    for name, value in table.items():
        if not check.name(table, name, "size"):
            continue
        if not (_is_number(value) and SIZES[0] <= value <= SIZES[1]):
            check.at(table, name, f"sizes.{name}: expected a size in points from {SIZES[0]} to {SIZES[1]}, "
                                  f"not {_kind(value)}")
            continue
        sizes[name] = float(value)
    check.required(table, raw, "sizes", REQUIRED_SIZES)
    return sizes


_PAGE_SHAPE = "{width:, height:, margins:, header:, footer:, line-heights:, sizes:}"
_INCHES = "a length in inches"


def _read_page(raw: dict, sizes: dict[str, float], check: _Checker) -> Page | None:
    table = check.mapping(raw, "page", "page", _PAGE_SHAPE)
    if table is None:
        return None
    before = len(check.problems)
    check.known_keys(table, "page", "page")
    width = check.number(table, "width", "page.width", PAGE_INCHES, _INCHES)
    height = check.number(table, "height", "page.height", PAGE_INCHES, _INCHES)
    header = check.number(table, "header", "page.header", MARGIN_INCHES, _INCHES)
    footer = check.number(table, "footer", "page.footer", MARGIN_INCHES, _INCHES)
    margins = None
    sides = check.mapping(table, "margins", "page.margins", "{top:, right:, bottom:, left:} of lengths in inches")
    if sides is not None:
        check.known_keys(sides, "margins", "page.margins")
        found = [check.number(sides, side, f"page.margins.{side}", MARGIN_INCHES, _INCHES)
                 for side in MARGIN_SIDES if side in sides]
        check.required(sides, table, "margins", MARGIN_SIDES, "page.margins")
        if len(found) == len(MARGIN_SIDES) and all(value is not None for value in found):
            margins = tuple(found)
    if margins is not None and width is not None and height is not None:
        top, right, bottom, left = margins
        for pair, total, side in (("left and right", left + right, width), ("top and bottom", top + bottom, height)):
            if total > side - 1:
                check.at(table, "margins", f"page.margins: {pair} take {total:g} in of the page's {side:g} in; "
                                           "leave at least 1 in for the text")
    line_heights = _read_named_numbers(table, "line-heights", REQUIRED_LINE_HEIGHTS, LINE_HEIGHTS,
                                       "a multiple of the font size", check)
    page_sizes = _read_named_numbers(table, "sizes", REQUIRED_PAGE_SIZES, SIZES, "a size in points", check)
    for name in page_sizes:
        if name in sizes:
            check.at(table["sizes"], name, f"page.sizes.{name}: '{name}' is a size of sizes: already; "
                                           "name each size once", value=False)
    if len(check.problems) > before or None in (width, height, header, footer, margins):
        return None
    return Page(width=width, height=height, margins=margins, header=header, footer=footer,  # type: ignore[arg-type]
                line_heights=line_heights, sizes=page_sizes)


def _read_named_numbers(page: dict, key: str, required: tuple[str, ...], bounds: tuple[float, float], noun: str,
                        check: _Checker) -> dict[str, float]:
    what = f"page.{key}"
    table = check.mapping(page, key, what, f"of names to {noun.removeprefix('a ')}s")
    if table is None:
        return {}
    found = {}
    for name in table:
        if not check.name(table, name, what):
            continue
        value = check.number(table, name, f"{what}.{name}", bounds, noun)
        if value is not None:
            found[name] = value
    check.required(table, page, key, required, what)
    return found


def _css_string(text: str) -> str:
    """Text as a double-quoted CSS string that cannot close itself, its rule or an HTML <style> element."""
    escaped = re.sub(r'[\\"<>&\x00-\x1f\x7f]', lambda found: f"\\{ord(found.group(0)):x} ", text)
    return f'"{escaped}"'


def _font_src(face: FontFace, styles_dir: Path, embed: bool) -> str:
    if embed:
        data = base64.b64encode(face.web_path.read_bytes()).decode("ascii")
        return f'url("data:font/woff2;base64,{data}") format("woff2")'
    return f'url({_css_string(face.path.relative_to(styles_dir.resolve()).as_posix())}) format("truetype")'


def brand_css(brand: Brand, styles_dir: Path, *, embed_fonts: bool, cmyk: bool = False,
              paged: bool | None = None) -> str:
    """CSS custom properties and @font-face rules for the brand (fonts embedded as data: URLs for the web).

    With paged (by default: the PDFs, whose fonts are files, not the web page, whose fonts are embedded) also the
    page: the @page size and margins, and its line heights and sizes as --qi-line-height-* and --qi-size-*.
    read_brand has checked every value by pattern; names and families still go into CSS strings escaped.
    """
    if paged is None:
        paged = not embed_fonts
    lines = [":root {"]
    for colour in brand.colours:
        if cmyk:
            c, m, y, k = (round(v / 100, 4) for v in colour.cmyk)
            value = f"device-cmyk({c} {m} {y} {k})"
        else:
            value = colour.rgb
        lines.append(f"  --qi-{_css_name(colour.name)}: {value};")
    for font in brand.fonts:
        lines.append(f"  --qi-font-{_css_name(font.role)}: {_css_string(font.family)};")
    for name, size in brand.sizes.items():
        lines.append(f"  --qi-size-{_css_name(name)}: {size:g}pt;")
    if paged:
        lines += _page_properties(brand.page)
    lines.append("}")
    if paged:
        page = brand.page
        lines.append(f"@page {{ size: {page.width:g}in {page.height:g}in; "
                     f"margin: {' '.join(f'{side:g}in' for side in page.margins)}; }}")
    for font in brand.fonts:
        for face in font.faces:
            lines.append(
                f"@font-face {{ font-family: {_css_string(face.family)}; font-weight: {int(face.weight)}; "
                f"font-style: {'italic' if face.style == 'italic' else 'normal'}; "
                f"src: {_font_src(face, styles_dir, embed_fonts)}; }}"
            )
    return "\n".join(lines) + "\n"


def _page_properties(page: Page) -> list[str]:
    lines = [f"  --qi-size-{_css_name(name)}: {size:g}pt;" for name, size in page.sizes.items()]
    lines += [f"  --qi-line-height-{_css_name(name)}: {height:g};" for name, height in page.line_heights.items()]
    lines += [f"  --qi-page-width: {page.width:g}in;", f"  --qi-page-height: {page.height:g}in;"]
    lines += [f"  --qi-page-margin-{side}: {value:g}in;" for side, value in zip(MARGIN_SIDES, page.margins)]
    return lines


def _css_name(name: str) -> str:
    # A custom property name of the brand: read_brand allows only these characters.
    if not _NAME.match(name):
        raise BuildError(f"brand name '{_shown(name)}' is not a CSS name")
    return name
