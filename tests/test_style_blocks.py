"""blocks.style_blocks gives each brand block's Div its DOCX paragraph style, in the body only."""

from __future__ import annotations

from qibrief import blocks


def _div(classes, pairs, inner=None, ident=""):
    return {"t": "Div", "c": [[ident, classes, pairs], inner or [{"t": "Para", "c": [{"t": "Str", "c": "x"}]}]]}


def test_brand_blocks_get_their_style_once_and_nothing_else_changes():
    meta = {"abstract": {"t": "MetaBlocks", "c": [_div(["pull-quote"], [])]}}  # metadata is not styled
    body = [
        _div(["pull-quote"], []),
        _div(["pull-quote"], [["edited", "true"]], ident="q2"),
        _div(["executive-summary"], [[blocks.CUSTOM_STYLE, "Mine"]]),  # a style given stays
        _div(["other"], []),
        _div(["outer"], [], inner=[_div(["pull-quote"], [])]),  # nested
    ]
    tree = {"pandoc-api-version": [1, 23, 1], "meta": meta, "blocks": body}
    assert blocks.style_blocks(tree) is True
    style = [blocks.CUSTOM_STYLE, blocks.BLOCKS["pull-quote"]]
    assert body[0]["c"][0][2] == [style]
    assert body[1]["c"][0][2] == [["edited", "true"], style]
    assert body[2]["c"][0][2] == [[blocks.CUSTOM_STYLE, "Mine"]]
    assert body[3]["c"][0][2] == []
    assert body[4]["c"][1][0]["c"][0][2] == [style]
    assert meta["abstract"]["c"][0]["c"][0][2] == []
    assert blocks.style_blocks(tree) is False  # styled already: nothing more to do
