"""The package's shape: every dataclass's annotations resolve, and no qibrief module reaches itself through imports."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path

import pytest

import qibrief

PACKAGE = Path(qibrief.__file__).resolve().parent


def _module_names() -> list[str]:
    return sorted(found.name for found in pkgutil.walk_packages(qibrief.__path__, "qibrief."))


def _dataclasses() -> list[type]:
    found = []
    for name in _module_names():
        module = importlib.import_module(name)
        found += [obj for obj in vars(module).values()
                  if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == name]
    return found


def test_every_dataclass_annotation_resolves():
    """typing.get_type_hints resolves every dataclass of the package: no annotation names what only a lazy import
    would bring."""
    classes = _dataclasses()
    unresolved = []
    for cls in classes:
        try:
            typing.get_type_hints(cls)
        except Exception as exc:  # noqa: BLE001 - each failure is listed with its class
            unresolved.append(f"{cls.__module__}.{cls.__qualname__}: {type(exc).__name__}: {exc}")
    assert unresolved == []
    assert {"qibrief.sources.Sources", "qibrief.pipeline.Artifacts", "qibrief.schedule.SideResult",
            "qibrief.formats.Format", "qibrief.plan.Plan"} <= {f"{c.__module__}.{c.__qualname__}" for c in classes}


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each qibrief module and the qibrief modules it imports: every import statement in it, at the top, inside a
    function or under TYPE_CHECKING alike (a lazy import is still a dependency)."""
    modules = {_module_of(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                # `from . import x` imports the module x when there is one, else a name of the package.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            else:
                continue
            # Importing qibrief.checks.pdf runs qibrief/checks/__init__.py first: each parent package is a dependency,
            # except the importer's own packages (they are running already).
            targets += [parent for target in list(targets) for depth in range(1, target.count("."))
                        if not (name + ".").startswith((parent := target.rsplit(".", depth)[0]) + ".")]
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected parts of the graph that hold more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.add(tuple(sorted(part)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_right():
    """The graph sees imports inside functions and relative imports of a package's modules."""
    graph = import_graph()
    assert "qibrief.pipeline" in graph["qibrief.uptodate"]  # imported inside uptodate.build
    assert "qibrief.checks.rendered" in graph["qibrief.schedule"]
    assert "qibrief.docx" in graph["qibrief.writers"]  # from . import docx
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}


def test_no_import_cycle_at_all():
    """No qibrief module imports itself through others."""
    assert import_cycles(import_graph()) == set()
