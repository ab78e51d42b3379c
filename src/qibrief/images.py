"""Images a brief may show: PNG, JPEG, GIF, WebP or SVG, checked from their bytes before anything decodes them.

One owner for the rules the lint (images in sections), pandoc.embed_images (the data: URLs of the DOCX and the web
page) and fetcher.ProjectFetcher (whatever WeasyPrint loads) apply alike: a raster image whose header declares more
than MAX_IMAGE_PIXELS (a decompression bomb: a small PNG can claim 400 megapixels) and an SVG with a DOCTYPE or
entities (entity expansion bombs need one) are refused; the header is read, the pixels never decoded.

It also owns where an image written in a section is found (find_image): next to the section files first
(content/figures/map.png for `figures/map.png`), then from the brief's folder; the lint and the embedding of
images into the outputs look it up the same way.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

# A Letter page at 300 dpi is 8.4 megapixels; four times that is ample for any figure in a brief.
MAX_IMAGE_PIXELS = 35_000_000
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# Section files all sit in the brief's content/ folder (sections.collect_sections): "next to the section".
SECTIONS_FOLDER = "content"
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!DOCTYPE\s+)?svg\b", re.IGNORECASE | re.DOTALL)
# What Pillow's PNG, JPEG, GIF, WebP, BMP and TIFF plugins accept: only such bytes go to Pillow, whose first
# open imports every image plugin (a twentieth of a second in each build, spent on the brand fonts).
_RASTER_PREFIXES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"MM\x00\x2a", b"II\x2a\x00",
                    b"MM\x2a\x00", b"II\x00\x2a", b"MM\x00\x2b", b"II\x2b\x00")


def _raster_size(data: bytes) -> tuple[str, int, int] | None:
    if not (data.startswith(_RASTER_PREFIXES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
        return None
    # Pillow (heavy) is imported at the first raster image: checking a brief that has none never loads it.
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning is moot: the callers check the size against a lower limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Image.open reads only the header; the pixels stay undecoded.
            with Image.open(io.BytesIO(data), formats=tuple(IMAGE_TYPES) + ("BMP", "TIFF")) as image:
                return str(image.format), image.size[0], image.size[1]
    except Image.DecompressionBombError as exc:
        # Over Pillow's own hard limit (twice its MAX_IMAGE_PIXELS): say it as the callers would.
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        if pixels:
            raise ValueError(f"{int(pixels.group(1)) / 1e6:.0f} megapixels is over the "
                             f"{MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit") from None
        raise ValueError(str(exc)) from None
    except Exception:  # noqa: BLE001 - not an image Pillow knows (a font, a stylesheet)
        return None


def check_image_bytes(data: bytes) -> None:
    """Raise ValueError for a raster image over MAX_IMAGE_PIXELS or an SVG with a DOCTYPE; pass anything else."""
    if _SVG_START.match(data[:4096]) and re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.IGNORECASE):
        raise ValueError("an SVG with a DOCTYPE or entities (entity expansion is refused)")
    found = _raster_size(data)
    if found:
        _, width, height = found
        if width * height > MAX_IMAGE_PIXELS:
            raise ValueError(f"{width}x{height} pixels ({width * height / 1e6:.0f} megapixels) is over the "
                             f"{MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit")


def image_type(data: bytes) -> str:
    """The MIME type of an image a brief may hold (PNG, JPEG, GIF, WebP, SVG); ValueError for anything else."""
    check_image_bytes(data)
    if _SVG_START.match(data[:4096]):
        return "image/svg+xml"
    found = _raster_size(data)
    if found and found[0] in IMAGE_TYPES:
        return IMAGE_TYPES[found[0]]
    raise ValueError("not a PNG, JPEG, GIF, WebP or SVG image")


@dataclass(frozen=True)
class ImageLookup:
    """Where an image path led: the file found (resolved, inside the brief), or the places looked in (as shown
    in messages), and whether every place pointed outside the brief."""

    found: Path | None
    looked: tuple[str, ...]
    outside: bool = False

    def not_found(self, shown: str) -> str:
        """The message for an image found nowhere, naming each place it was looked for."""
        return f"image {shown} is not a file in the project: looked for {' and '.join(self.looked)}"


def find_image(path_text: str, root: Path) -> ImageLookup:
    """Find an image's file: a relative path next to the section files (content/) first, then from the brief's
    folder `root` (resolved); an absolute path as it is. A place that exists but leads out of the brief (a link,
    '..') stops the search as outside: it is refused, never passed over for the next place."""
    written = Path(path_text)
    places = ([(written, "")] if written.is_absolute() else
              [(root / SECTIONS_FOLDER / written, " (next to the section)"), (root / written, " (from the brief's folder)")])
    looked, inside = [], 0
    for place, label in places:
        resolved = place.resolve()
        within = resolved.is_relative_to(root)
        inside += within
        if os.path.lexists(place) or resolved.exists():
            if not within:
                return ImageLookup(found=None, looked=(), outside=True)
            if resolved.is_file():
                return ImageLookup(found=resolved, looked=())
        normal = Path(os.path.normpath(place))
        if within and normal.is_relative_to(root):  # a place outside is not worth naming (nor the machine's folders)
            looked.append(str(normal.relative_to(root)) + label)
    return ImageLookup(found=None, looked=tuple(looked), outside=not inside)
