"""blocks.style_blocks edits the JSON text where it can: the same AST as parsing, styling and writing it again."""

from __future__ import annotations

import json

from qibrief import blocks


def _div(classes, pairs, inner=None, ident=""):
    return {"t": "Div", "c": [[ident, classes, pairs], inner or [{"t": "Para", "c": [{"t": "Str", "c": "x"}]}]]}


def _ast(body, meta=None) -> bytes:
    tree = {"pandoc-api-version": [1, 23, 1], "meta": meta or {}, "blocks": body}
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _by_tree(ast: bytes) -> bytes:
    tree = json.loads(ast)
    if not blocks._add_styles(tree.get("blocks", [])):
        return ast
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_spliced_styles_are_the_tree_path_bytes():
    meta = {"abstract": {"t": "MetaBlocks", "c": [_div(["pull-quote"], [])]}}  # metadata is not styled
    body = [
        _div(["pull-quote"], []),
        _div(["pull-quote"], [["edited", "why \"so\" \\ é"]], ident='odd "id" ]]'),
        _div(["executive-summary", "other"], [["custom-style", "Pull Quote"]]),  # an author's choice stays
        _div(["note"], [], inner=[_div(["executive-summary"], [["a", "b"], ["c", "d"]])]),
        {"t": "Para", "c": [{"t": "Str", "c": '{"t":"Div","c":[["",["pull-quote"],[]]'}]},  # text, not structure
    ]
    ast = _ast(body, meta)
    spliced = blocks._spliced_styles(ast)
    assert spliced is not None and spliced == _by_tree(ast) != ast
    assert blocks.style_blocks(ast) == spliced
    assert json.loads(spliced)["meta"] == meta


def test_unstyled_ast_is_returned_as_it_came():
    ast = _ast([_div(["other"], [])])
    assert blocks.style_blocks(ast) is ast


def test_json_the_pattern_does_not_read_takes_the_tree_path():
    tree = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [_div(["pull-quote"], [])]}
    spaced = json.dumps(tree).encode("utf-8")  # not compact: no splice
    assert blocks._spliced_styles(spaced) is None
    assert json.loads(blocks.style_blocks(spaced)) == json.loads(_by_tree(spaced))
    reordered = json.dumps({"blocks": tree["blocks"], "meta": {}, "pandoc-api-version": [1, 23, 1]},
                           separators=(",", ":")).encode("utf-8")
    assert blocks._spliced_styles(reordered) is None
