"""The fast YAML reader (libyaml) gives the strict pure-Python loader's nodes or leaves the text to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qibrief import yamlfile

REPO = Path(__file__).resolve().parents[1]
YAML_FILES = sorted({*REPO.glob("references.yaml"), *REPO.glob("content/*.yaml"), *REPO.glob("styles/*.yaml"),
                     *REPO.glob("tests/fixtures/*/references.yaml"), *REPO.glob("tests/fixtures/*/content/*.yaml"),
                     *REPO.glob("src/qibrief/newbrief/*.yaml")})


def _shape(node):
    # What readers of the nodes use: kind, tag, value and where each node starts and ends.
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, marks)
    if isinstance(node, yaml.MappingNode):
        return ("map", node.tag, [(_shape(k), _shape(v)) for k, v in node.value], marks)
    return ("seq", node.tag, [_shape(item) for item in node.value], marks)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_nodes_as_the_strict_loader(path):
    text = path.read_text(encoding="utf-8")
    fast = yamlfile._compose_with_libyaml(text)
    assert fast is not yamlfile._REFUSED
    assert _shape(fast) == _shape(yaml.compose(text, Loader=yamlfile._StrictLoader))


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",          # anchors and aliases: the strict loader's message
    "a:\tb\n",                    # libyaml takes a tab after a colon, PyYAML does not
    "a: \x19\n",                  # a character PyYAML's reader refuses
    "k: \"open\n",                # an error: the strict loader words it
    "[" * 40 + "1" + "]" * 40,    # nesting near the limit
])
def test_left_to_the_strict_loader(text):
    assert yamlfile._compose_with_libyaml(text) is yamlfile._REFUSED
