"""A new brief folder (`build.py new DIR`), copied from the template folder shipped in the package (newbrief/):
metadata.yaml with every key explained, a references.yaml with one entry, two sections that show each construct,
an image next to them, and a .gitignore for dist/. The template is data; only the title, number, author and date
of content/metadata.yaml are filled in, each written as a YAML double-quoted string, and checked as the build
would check them before anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Iterator

import yaml

from .metadata import REQUIRED, check_key_typos, check_values
from .problems import BuildError, Problem
from .yamlfile import YamlProblem, parse_yaml

TEMPLATE_FOLDER = "newbrief"
# The one file with blanks, and the blanks it has ({{title}} and so on).
FILLED = PurePosixPath("metadata.yaml")
BLANKS = ("title", "number", "author", "date")
TARGETS = {FILLED: PurePosixPath("content/metadata.yaml")}
DISPLAY = "content/metadata.yaml"


def template_files() -> Iterator[tuple[PurePosixPath, bytes]]:
    """Each file of the template folder (hidden ones included), by its path in the new brief, with its bytes."""
    stack: list[tuple[Traversable, PurePosixPath]] = [(resources.files("qibrief") / TEMPLATE_FOLDER, PurePosixPath())]
    while stack:
        folder, relative = stack.pop()
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                stack.append((entry, relative / entry.name))
            else:
                path = relative / entry.name
                yield TARGETS.get(path, path), entry.read_bytes()


def quoted(value: str) -> str:
    """A YAML double-quoted scalar holding exactly `value` (quotes, backslashes, line breaks escaped)."""
    text = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1_000_000, explicit_end=False)
    return text.removesuffix("\n...\n").strip()


def fill(template: str, values: dict[str, str]) -> str:
    """The template's text with each blank {{name}} replaced by its value, YAML-quoted."""
    for name in BLANKS:
        template = template.replace("{{" + name + "}}", quoted(values[name]))
    return template


def check_filled(text: str) -> list[Problem]:
    """The problems the build would find in the filled metadata's values (a title left empty, a number with no
    letter or digit for the file names, a control character)."""
    try:
        raw = parse_yaml(text)
    except YamlProblem as exc:
        return [Problem(DISPLAY, exc.line, exc.message, column=exc.column)]
    problems = [Problem(DISPLAY, None, f"missing '{key}:'") for key in REQUIRED if not str(raw.get(key) or "").strip()]
    return problems + check_values(raw, DISPLAY) + check_key_typos(raw, DISPLAY)


def create_brief(folder: Path, *, title: str, number: str, author: str, date: dt.date) -> list[Path]:
    """Write a new brief into `folder` (new, or empty) from the template; return the files written.

    Raise BuildError, writing nothing, when the folder holds anything or a value would not pass the build.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BuildError(f"{folder}: exists and is not a folder; give a new folder's name")
    if folder.is_dir() and any(folder.iterdir()):
        raise BuildError(f"{folder}: the folder exists and is not empty; `new` writes only into a new or empty folder")
    values = {"title": title, "number": number, "author": author, "date": date.isoformat()}
    files = []
    for relative, data in template_files():
        if relative == TARGETS[FILLED]:
            text = fill(data.decode("utf-8"), values)
            problems = check_filled(text)
            if problems:
                raise BuildError("new: nothing was written: the values given would fail the build.", problems)
            data = text.encode("utf-8")
        files.append((relative, data))
    written = []
    for relative, data in files:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: a file that appeared meanwhile is not overwritten.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        written.append(path)
    return written
