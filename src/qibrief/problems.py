"""Problems found in sources or outputs, as values; the CLI decides whether they fail a run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong at one place: a file, an optional line, and what is wrong."""

    path: str
    line: int | None
    message: str
    severity: str = ERROR
    column: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        """True when the problem fails a run (warnings do not, except in strict mode)."""
        return self.severity == ERROR


def shorten(text: str, limit: int = 60, *, ellipsis: str = "\u2026") -> str:
    """Text as a one-line message shows it: whitespace runs made one space, cut to at most `limit` characters
    (the ellipsis included)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - len(ellipsis)].rstrip() + ellipsis


def _natural(text: str) -> tuple:
    # "page 2: note 9" before "page 10: note 1": numbers in messages sort by value.
    # re.split with a group alternates text and digit runs; a run is converted by position, since isdigit()
    # also holds for text such as "¹" that int() refuses.
    return tuple(int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", text)))


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Sort problems by file, then line, then message (numbers by value), dropping exact repeats."""
    unique = set(problems)
    return sorted(unique, key=lambda p: (p.path, p.line if p.line is not None else -1, p.column or 0, _natural(p.message)))


def strictly(problems: Iterable[Problem]) -> list[Problem]:
    """Turn warnings into errors, for --strict."""
    return [Problem(p.path, p.line, p.message, ERROR, p.column) for p in problems]


class BuildError(Exception):
    """An expected failure: printed as its message, without a traceback, exit code 1.

    click.ClickException's interface (message, exit_code, format_message, show), without its import: a build with
    nothing to do imports this module and not click (noop.py). cli._run catches it around every command's work.
    """

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = sort_problems(problems)

    def __str__(self) -> str:
        return self.message

    def format_message(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(self.message)
        return "\n".join(lines)

    def show(self, file=None) -> None:
        """Print the problems and the message to stderr, as click prints its own errors."""
        import click  # loaded already: only the CLI shows an error

        click.echo(self.format_message(), err=True, file=file)


def fail_on(problems: Iterable[Problem], what: str) -> list[Problem]:
    """Raise BuildError when any problem is an error; return the warnings otherwise."""
    problems = sort_problems(problems)
    errors = [p for p in problems if p.is_error]
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise BuildError(f"{what} failed: {len(errors)} {noun}.", problems)
    return problems
