"""The brand (styles/brand.yaml): colours, fonts and sizes, turned into CSS for the PDF and the web page."""

from __future__ import annotations

import base64
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
class Brand:
    """Everything the brand defines."""

    name: str
    colours: tuple[Colour, ...]
    fonts: tuple[Font, ...]
    sizes: dict[str, float]

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


def read_brand(styles_dir: Path, display: str) -> Brand:
    """Load styles/brand.yaml and check that every font file it names exists."""
    path = styles_dir / "brand.yaml"
    raw: Any = load_yaml(path, display)
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise BuildError("Brand refused.", [Problem(display, 1, "expected a mapping with colors:, fonts:, sizes:")])
    colours = []
    for name, spec in (raw.get("colors") or {}).items():
        try:
            cmyk = tuple(float(v) for v in spec["cmyk"])
            if len(cmyk) != 4:
                raise ValueError
            colours.append(Colour(str(name), str(spec["rgb"]), cmyk))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(display, None, f"colour '{name}': expected {{rgb: '#rrggbb', cmyk: [c, m, y, k]}}"))
    fonts = []
    for role, spec in (raw.get("fonts") or {}).items():
        faces = []
        for entry in spec.get("files") or []:
            paths = {}
            for kind in ("print", "web"):
                name = entry.get(kind)
                file = (styles_dir / str(name)).resolve()
                if not name or not file.is_file() or not file.is_relative_to(styles_dir.resolve()):
                    problems.append(Problem(display, None, f"{kind} font file {name} for {spec.get('family')} not found in styles/"))
                paths[kind] = file
            if len(paths) == 2 and all(p.is_file() for p in paths.values()):
                faces.append(FontFace(spec["family"], int(entry.get("weight", 400)), entry.get("style", "normal"),
                                      paths["print"], paths["web"]))
        fonts.append(Font(str(role), str(spec["family"]), str(spec.get("docx-fallback", "")), tuple(faces)))
    if problems:
        raise BuildError("Brand refused.", problems)
    sizes = {str(k): float(v) for k, v in (raw.get("sizes") or {}).items()}
    return Brand(name=str(raw.get("name", "")), colours=tuple(colours), fonts=tuple(fonts), sizes=sizes)


def _font_src(face: FontFace, styles_dir: Path, embed: bool) -> str:
    if embed:
        data = base64.b64encode(face.web_path.read_bytes()).decode("ascii")
        return f'url("data:font/woff2;base64,{data}") format("woff2")'
    return f'url("{face.path.relative_to(styles_dir.resolve()).as_posix()}") format("truetype")'



def brand_css(brand: Brand, styles_dir: Path, *, embed_fonts: bool, cmyk: bool = False) -> str:
    """CSS custom properties and @font-face rules for the brand (fonts embedded as data: URLs for the web)."""
    lines = [":root {"]
    for colour in brand.colours:
        if cmyk:
            c, m, y, k = (round(v / 100, 4) for v in colour.cmyk)
            value = f"device-cmyk({c} {m} {y} {k})"
        else:
            value = colour.rgb
        lines.append(f"  --qi-{colour.name}: {value};")
    for font in brand.fonts:
        lines.append(f"  --qi-font-{font.role}: \"{font.family}\";")
    for name, size in brand.sizes.items():
        lines.append(f"  --qi-size-{name}: {size:g}pt;")
    lines.append("}")
    for font in brand.fonts:
        for face in font.faces:
            lines.append(
                f"@font-face {{ font-family: \"{face.family}\"; font-weight: {face.weight}; "
                f"font-style: {face.style}; src: {_font_src(face, styles_dir, embed_fonts)}; }}"
            )
    return "\n".join(lines) + "\n"
