"""Strict YAML loading: safe types only, no duplicate keys, no anchors or aliases, bounded nesting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .problems import BuildError, Problem

MAX_DEPTH = 32


class YamlProblem(Exception):
    """A YAML file that cannot be accepted, with its 1-based position."""

    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def _position(mark) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses what editors never mean: repeated keys, aliases, deep nesting."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem(*_position(event.start_mark), f"alias *{event.anchor} is not allowed; write the value out")
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise YamlProblem(*_position(event.start_mark), f"anchor &{anchor} is not allowed; write the value out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlProblem(*_position(event.start_mark), f"nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise YamlProblem(*_position(key_node.start_mark), "a mapping key must be a plain value") from None
            if key in seen:
                first_line = seen[key].line + 1
                raise YamlProblem(
                    *_position(key_node.start_mark),
                    f"duplicate key '{key}' (first at line {first_line})",
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """Parse YAML text strictly; raise YamlProblem with a position on anything refused."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        line, column = _position(exc.problem_mark)
        raise YamlProblem(line, column, f"{exc.problem}" + (f" {exc.context}" if exc.context else "")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, None, str(exc)) from None


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse a YAML file strictly; raise BuildError naming path:line:col on failure."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(f"{shown}: file not found") from None
    except UnicodeDecodeError as exc:
        raise BuildError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    try:
        return parse_yaml(text)
    except YamlProblem as exc:
        raise BuildError("YAML file refused.", [Problem(shown, exc.line, exc.message, column=exc.column)]) from None
