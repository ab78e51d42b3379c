"""references.yaml as the checks see it: entries with the line of their id, duplicate ids and keys, unused entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..problems import WARNING, BuildError, Problem
from ..yamlfile import YamlProblem, compose_yaml, read_yaml_text, with_line


@dataclass
class Entry:
    """One bibliography entry: its id, the line of its id, and its plain fields."""

    ident: str
    line: int
    fields: dict = field(default_factory=dict)


def _scalar(node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_scalar(n) for n in node.value]
    if isinstance(node, yaml.MappingNode):
        return {_scalar(k): _scalar(v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    return None


def _duplicate_keys(root, display: str, text: str) -> list[Problem]:
    problems = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line, column = key.start_mark.line + 1, key.start_mark.column + 1
                    if key.value in first:
                        message = f"duplicate key '{key.value}' (first at line {first[key.value]})"
                        problems.append(Problem(display, line, with_line(message, text, line, column), column=column))
                    else:
                        first[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def read_entries(path: Path, display: str) -> tuple[list[Entry], list[Problem]]:
    """Entries of a CSL-YAML file with their lines, and the problems: unreadable YAML, duplicate keys or ids."""
    try:
        text = read_yaml_text(path, display)
        root = compose_yaml(text)
    except BuildError as exc:
        return [], list(exc.problems) or [Problem(display, None, exc.message.removeprefix(f"{display}: "))]
    except YamlProblem as exc:
        return [], [Problem(display, exc.line, exc.message, column=exc.column)]
    if root is None:
        return [], [Problem(display, 1, "empty; expected 'references:' followed by a list of entries")]
    problems = _duplicate_keys(root, display, text)
    items = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "references":
                items = value
    elif isinstance(root, yaml.SequenceNode):
        items = root
    if not isinstance(items, yaml.SequenceNode):
        return [], problems + [Problem(display, 1, "expected 'references:' followed by a list of entries")]
    entries: list[Entry] = []
    first: dict[str, int] = {}
    for item in items.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(display, line, "entry is not a mapping of id:, type:, title:"))
            continue
        ident_node = next((v for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "id"), None)
        if not isinstance(ident_node, yaml.ScalarNode) or not ident_node.value:
            problems.append(Problem(display, line, "entry has no id"))
            continue
        ident, id_line = ident_node.value, ident_node.start_mark.line + 1
        if ident in first:
            problems.append(Problem(display, id_line, f"duplicate id '{ident}' (first at line {first[ident]})"))
            continue
        first[ident] = id_line
        entries.append(Entry(ident, id_line, _scalar(item)))
    return entries, problems


def check_unused(entries: list[Entry], cited: set[str], display: str) -> list[Problem]:
    """An entry never cited is a warning (an error with --strict)."""
    return [Problem(display, e.line, f"'{e.ident}' is never cited", WARNING) for e in entries if e.ident not in cited]
