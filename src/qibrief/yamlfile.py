"""Strict YAML loading: safe types only, no duplicate keys, no anchors or aliases, bounded size and nesting.

Every mapping loaded is a YamlMap, which remembers the 1-based line and column of each key and value, so
later checks (a reference id that is a number, a key that is refused) can name the place.
"""

from __future__ import annotations

import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import brieffiles
from .brieffiles import MAX_YAML_BYTES
from .problems import BuildError, Problem

MAX_DEPTH = 32


class YamlProblem(Exception):
    """A YAML file that cannot be accepted, with its 1-based position."""

    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class YamlMap(dict):
    """A mapping that remembers where it, each key and each value start (1-based line, column)."""

    position: tuple[int | None, int | None] = (None, None)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.key_positions: dict[Any, tuple[int | None, int | None]] = {}
        self.value_positions: dict[Any, tuple[int | None, int | None]] = {}

    def where(self, key: Any = None, *, value: bool = False) -> tuple[int | None, int | None]:
        """The (line, column) of a key, of its value with value=True, or of the mapping itself."""
        if key is None:
            return self.position
        table = self.value_positions if value else self.key_positions
        return table.get(key, self.position)


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

    def construct_object(self, node, deep=False):
        # A value that matches a type's pattern but is out of range (2020-13-45, !!int x) raises
        # ValueError and friends from the constructor: give them the node's position.
        try:
            return super().construct_object(node, deep=deep)
        except (YamlProblem, yaml.YAMLError):
            raise
        except (ValueError, TypeError, ArithmeticError, AttributeError, LookupError) as exc:
            kind = str(node.tag).rsplit(":", 1)[-1]
            detail = f": {exc}" if isinstance(exc, ValueError) else ""
            raise YamlProblem(*_position(node.start_mark), f"cannot read {node.value!r} as a {kind}{detail}"[:300]) from None

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

    def construct_located_map(self, node):
        data = YamlMap()
        data.position = _position(node.start_mark)
        yield data
        data.update(self.construct_mapping(node))
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            data.key_positions[key] = _position(key_node.start_mark)
            data.value_positions[key] = _position(value_node.start_mark)


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_located_map)


def parse_yaml(text: str) -> Any:
    """Parse YAML text strictly; raise YamlProblem with a position on anything refused."""
    return _strictly(lambda: _construct(_composed(text), text), text)


def compose_yaml(text: str) -> yaml.Node | None:
    """Compose YAML text into nodes (for readers that need every node's position) with the strict loader's
    refusals: no anchors or aliases, bounded nesting; raise YamlProblem with a position."""
    return _strictly(lambda: _composed(text), text)


@lru_cache(maxsize=4)
def _composed(text: str) -> yaml.Node | None:
    # Composing is most of a parse in PyYAML's pure-Python reader (80 ms for brief 50's references.yaml), and a
    # build reads references.yaml twice (the lint, and the checks of references): composed once, read by both.
    # Callers only read the nodes; _construct never builds from a tree that constructing would change.
    return yaml.compose(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader


# Key tags whose mappings PyYAML's constructor rewrites in place (SafeConstructor.flatten_mapping).
_REWRITTEN_KEYS = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


def _construct(node: yaml.Node | None, text: str) -> Any:
    if node is None:
        return None
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.MappingNode):
            if any(key.tag in _REWRITTEN_KEYS for key, _ in item.value):
                return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader, on a fresh tree
            stack.extend(child for pair in item.value for child in pair)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
    loader = _StrictLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _strictly(load, text: str) -> Any:
    # PyYAML's errors, each as a YamlProblem with the 1-based place it names.
    try:
        return load()
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        line, column = _position(exc.problem_mark or exc.context_mark)
        raise YamlProblem(line, column, f"{exc.problem}" + (f" {exc.context}" if exc.context else "")) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise YamlProblem(line, column, f"character {exc.character!r} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, None, str(exc)) from None
    except RecursionError:
        raise YamlProblem(None, None, f"nesting deeper than {MAX_DEPTH} levels") from None


def yaml_file_problem(path: Path, display: str) -> Problem | None:
    """What makes a YAML file unreadable before it is parsed: missing, not a regular file, too large."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return Problem(display, None, "file not found")
    except OSError as exc:
        return Problem(display, None, f"cannot read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return Problem(display, None, "not a regular file")
    if info.st_size > MAX_YAML_BYTES:
        return Problem(display, None, f"larger than {MAX_YAML_BYTES // 1_000_000} MB; refused")
    return None


def read_yaml_text(path: Path, display: str) -> str:
    """The text of a YAML file: a regular UTF-8 file of bounded size inside its own folder (a brief's YAML
    files are metadata.yaml, references.yaml and brand.yaml, each in the folder that holds it), read by
    brieffiles.read_text; BuildError naming it otherwise."""
    try:
        return brieffiles.read_text(path, display=display, within=(path.parent.resolve(),), limit=MAX_YAML_BYTES)
    except brieffiles.FileRefused as exc:
        if exc.problem.line is None:
            raise
        raise BuildError("YAML file refused.", [exc.problem]) from None


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse a YAML file strictly; raise BuildError naming path:line:col on failure."""
    return load_yaml_text(path, display)[0]


def load_yaml_text(path: Path, display: str | None = None) -> tuple[Any, str]:
    """Like load_yaml, and also the file's text (for placing later findings on a line)."""
    shown = display or str(path)
    text = read_yaml_text(path, shown)
    try:
        return parse_yaml(text), text
    except YamlProblem as exc:
        raise BuildError("YAML file refused.", [Problem(shown, exc.line, exc.message, column=exc.column)]) from None
