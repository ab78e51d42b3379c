"""Strict YAML loading: safe types only, no duplicate keys, no anchors or aliases, bounded size and nesting.

Every mapping loaded is a YamlMap, which remembers the 1-based line and column of each key and value, so
later checks (a reference id that is a number, a key that is refused) can name the place.
"""

from __future__ import annotations

import re
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
    fast = _compose_with_libyaml(text)
    return fast if fast is not _REFUSED else yaml.compose(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader


_REFUSED = object()


def _compose_with_libyaml(text: str):
    # PyYAML's C reader (libyaml) composes the same nodes, positions included, in a tenth of the time (6 ms
    # against 46 ms for brief 50's references.yaml). It is asked only to accept: anything the strict loader
    # would refuse (an anchor, an alias, nesting near MAX_DEPTH) or libyaml refuses goes to the pure-Python
    # loader, whose refusals and messages are the ones authors see.
    # libyaml also takes a tab after a colon and characters PyYAML's reader refuses: such texts go the slow way.
    if not getattr(yaml, "__with_libyaml__", False) or "\t" in text or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _REFUSED
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return _REFUSED
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth >= MAX_DEPTH - 1:
                    return _REFUSED
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        return yaml.compose(text, Loader=yaml.CSafeLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return _REFUSED


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
    # PyYAML's errors, each as a YamlProblem in plain words, at the place it names, with that line shown.
    try:
        return load()
    except YamlProblem as exc:
        raise YamlProblem(exc.line, exc.column, with_line(exc.message, text, exc.line, exc.column)) from None
    except yaml.MarkedYAMLError as exc:
        line, column, message = _in_plain_words(exc, text)
        raise YamlProblem(line, column, with_line(message, text, line, column)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"character U+{char:04X} (not printable) is not allowed in YAML; delete it"
        raise YamlProblem(line, column, with_line(message, text, line, column)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, None, str(exc)) from None
    except RecursionError:
        raise YamlProblem(None, None, f"nesting deeper than {MAX_DEPTH} levels") from None


# What PyYAML says, and what an editor made the mistake should read instead. Each rule takes the error and the
# file's lines and gives (line, column, message), or None when it does not apply; the first that applies wins.

def _in_plain_words(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, int | None, str]:
    lines = text.split("\n")
    for rule in _RULES:
        found = rule(exc, lines)
        if found is not None:
            return found
    line, column = _position(exc.problem_mark or exc.context_mark)
    return line, column, f"{exc.problem}" + (f" {exc.context}" if exc.context else "")


def _mark(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _line_at(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _tab(exc, lines):
    if exc.problem_mark is None or "'\\t'" not in str(exc.problem):
        return None
    line, column = _mark(exc.problem_mark)
    return line, column, "a tab character: YAML indents and separates with spaces only; replace the tab with spaces"


_OPENS_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s:#"'][^:#]*?:\s+|-\s+)?(["'])(.*)$""")


def _quote_left_open(exc, lines):
    # A quoted value may run over several lines, so `title: "Foo` is read on until the next line holding a
    # quote, and PyYAML complains there (or at the end of the file). When the error sits where such a value
    # closes, or inside it, the mistake is the line that opened it.
    if exc.problem_mark is None:
        return None
    last = exc.problem_mark.line + 1
    opened: tuple[int, int, str] | None = None  # (line, column, quote) of a value still open
    for number in range(1, last + 1):
        text = _line_at(lines, number)
        if opened is not None:
            if number == last:
                break  # the error is inside the open value, or where it closes
            if opened[2] in _unescaped(text, opened[2]):
                opened = None  # a value over several lines, closed before the error: not the mistake
            continue
        match = _OPENS_QUOTE.match(text)
        if match and number < last and match.group(1) not in _unescaped(match.group(2), match.group(1)):
            opened = (number, match.start(1) + 1, match.group(1))
    if opened is None:
        return None
    line, column, quote = opened
    inner = "write \\\" for a double quote inside it" if quote == '"' else "write '' for an apostrophe inside it"
    return line, column, f"a quoted value opened here with {quote} is not closed on its line; end it with {quote} ({inner})"


def _unescaped(text: str, quote: str) -> str:
    # The text with escaped quotes removed: \" in double quotes, '' in single ones.
    return text.replace("\\\\", "").replace('\\"', "") if quote == '"' else text.replace("''", "")


def _unquoted_start(exc, lines):
    # "@home", "`code`", "*Note*", "&c", "%x", "!x" start a YAML token of their own unless the value is quoted.
    problem = str(exc.problem)
    context = str(exc.context or "")
    mark = exc.problem_mark
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
    elif context.startswith(("while scanning an alias", "while scanning an anchor", "while scanning a tag",
                             "while scanning a directive")) and exc.context_mark is not None:
        mark = exc.context_mark
        char = _line_at(lines, mark.line + 1)[mark.column:mark.column + 1] or "?"
    else:
        return None
    line, column = _mark(mark)
    return line, column, (f"a value cannot start with {char!r} unless it is in quotes; write it in double quotes, "
                          f"as in {_quoted_example(_line_at(lines, line), column)}")


def _quoted_example(text: str, column: int) -> str:
    # The line with its value (from the column to the end) in double quotes: the fix, spelled out.
    value = text[column - 1:].rstrip()
    value = value if len(value) <= 40 else value[:39] + "\u2026"
    head = text[:column - 1].strip()
    head = head if len(head) <= 30 else "\u2026" + head[-29:]
    return f'{head} "{value.replace(chr(34), chr(92) + chr(34))}"'.strip()


def _unclosed_quote(exc, lines):
    context = str(exc.context or "")
    if not (context.startswith("while scanning a") and context.endswith("quoted scalar")) or exc.context_mark is None:
        return None
    line, column = _mark(exc.context_mark)
    quote = _line_at(lines, line)[column - 1:column] or '"'
    if "end of stream" in str(exc.problem) or "document separator" in str(exc.problem):
        inner = "write \\\" for a double quote inside it" if quote == '"' else "write '' for an apostrophe inside it"
        return line, column, f"a quoted value opened here with {quote} is never closed; end it with {quote} ({inner})"
    if "escape" in str(exc.problem):
        pline, pcolumn = _mark(exc.problem_mark)
        char = str(exc.problem).rsplit(" ", 1)[-1].strip("'")
        return pline, pcolumn, (f"\\{char} is not an escape YAML knows in a double-quoted value; write \\\\ for a "
                                "backslash, or put the value in single quotes")
    return None


def _missing_colon(exc, lines):
    if "could not find expected ':'" not in str(exc.problem) or exc.context_mark is None:
        return None
    line, column = _mark(exc.context_mark)
    shown = _line_at(lines, line).strip()
    return line, column, (f"a missing colon: '{shown[:40]}' is not 'key: value'; write a colon and a space after "
                          "the key, or put the line in quotes if it continues the value above")


def _mapping_value(exc, lines):
    # "mapping values are not allowed here": a second ': ' on a line (an unquoted value holding a colon), or a
    # key indented deeper than the key before it (read as the value's continuation, then its colon).
    if "mapping values are not allowed here" not in str(exc.problem) or exc.problem_mark is None:
        return None
    line, column = _mark(exc.problem_mark)
    text = _line_at(lines, line)
    before = text[:column - 1]
    key = re.match(r"^\s*(?:-\s+)?[^\s:#][^:#]*?:\s", before)
    if key:
        return line, column, ("a colon followed by a space inside an unquoted value; put the value in double quotes, "
                              f"as in {_quoted_example(text, key.end() + 1)}")
    return _indentation(line, lines)


def _block_end(exc, lines):
    # "expected <block end>, but found ...": a line that fits no mapping or list above it.
    if not str(exc.problem).startswith("expected <block end>") or exc.problem_mark is None:
        return None
    line, column = _mark(exc.problem_mark)
    text = _line_at(lines, line)
    before = text[:column - 1].rstrip()
    if before.endswith(('"', "'")) and before.lstrip(" -").count(":"):
        quote = before[-1]
        inner = 'a " inside it is written \\"' if quote == '"' else "an apostrophe inside it is written ''"
        return line, column, f"text after a closing {quote}: the whole value goes inside the quotes, and {inner}"
    if "'-'" in str(exc.problem):
        return line, column, ("a list item where a key was expected: indent the list under the key it belongs to "
                              "(key: then - item on the next lines, indented)")
    return _indentation(line, lines)


def _indentation(line: int, lines: list[str]) -> tuple[int, int, str]:
    text = _line_at(lines, line)
    above = next((n for n in range(line - 1, 0, -1) if _line_at(lines, n).strip()
                  and not _line_at(lines, n).lstrip().startswith("#")), None)
    spaces = _indent(text)
    said = "in line with no mapping or list above it"
    if above is not None:
        other = _indent(_line_at(lines, above)) + (2 if _line_at(lines, above).lstrip().startswith("- ") else 0)
        if spaces > other:
            said = f"deeper than the key on line {above} ({_spaces(other)})"
    return line, spaces + 1, (f"bad indentation: this line is indented {_spaces(spaces)}, {said}; keys of one "
                              "mapping start in the same column, and a key's value is indented under it")


def _spaces(count: int) -> str:
    return f"{count} space" + ("" if count == 1 else "s")


def _unclosed_bracket(exc, lines):
    context = str(exc.context or "")
    if not context.startswith(("while parsing a flow sequence", "while parsing a flow mapping")) or exc.context_mark is None:
        return None
    line, column = _mark(exc.context_mark)
    opened, closing = ("[", "]") if "sequence" in context else ("{", "}")
    return line, column, (f"the {opened} opened here is not closed where expected; end it with {closing} on the same "
                          "line, with a comma between items (quote an item that holds a comma, a colon or a bracket)")


_RULES = (_tab, _quote_left_open, _unclosed_quote, _unquoted_start, _missing_colon, _mapping_value, _block_end, _unclosed_bracket)


def with_line(message: str, text: str, line: int | None, column: int | None) -> str:
    """The message, then the line it names (tabs shown as →, control characters as ?) with a caret under the
    column: what an editor looks at to see the mistake."""
    lines = text.split("\n")
    if line is None or not 0 < line <= len(lines):
        return message
    shown = "".join("\u2192" if ch == "\t" else ("?" if not ch.isprintable() else ch)
                    for ch in lines[line - 1].removesuffix("\r"))
    start = 0
    if len(shown) > _SHOWN_WIDTH:
        # A long line: a window around the column, marked cut at either end.
        start = max(0, min((column or 1) - 1 - _SHOWN_WIDTH // 2, len(shown) - _SHOWN_WIDTH))
        shown = ("\u2026" if start else "") + shown[start:start + _SHOWN_WIDTH] + (
            "\u2026" if start + _SHOWN_WIDTH < len(shown) else "")
        start -= 1 if start else 0
    gutter = f"  {line} | "
    out = f"{message}\n{gutter}{shown.rstrip()}"
    if column is not None:
        out += "\n" + " " * (len(gutter) - 2) + "| " + " " * max(column - 1 - start, 0) + "^"
    return out


_SHOWN_WIDTH = 100


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
