"""pdf._write_once: pydyf writes the same bytes with each object serialized once, and is left as it was."""

from __future__ import annotations

import io

import pydyf
import pytest

from qibrief import pdf


def _document() -> pydyf.PDF:
    document = pydyf.PDF()
    for number in range(3):
        stream = pydyf.Stream(compress=True)
        stream.push_state()
        stream.set_color_rgb(0.1 * number, 0.2, 0.3)
        stream.rectangle(10, 10, 100 + number, 50)
        stream.fill()
        stream.pop_state()
        document.add_object(stream)
        page = pydyf.Dictionary({
            "Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 200.5, 300]),
            "Contents": stream.reference, "StructParents": number,
        })
        document.add_page(page)
    tree = pydyf.Dictionary({"Type": "/StructTreeRoot", "K": pydyf.Array()})
    document.add_object(tree)
    for number in range(50):
        element = pydyf.Dictionary({"Type": "/StructElem", "S": "/P", "P": tree.reference,
                                    "Alt": pydyf.String(f"élément {number} (of 50)")})
        document.add_object(element)
        tree["K"].append(element.reference)
    document.catalog["StructTreeRoot"] = tree.reference
    document.info["Title"] = pydyf.String("A brief")
    return document


@pytest.mark.parametrize("compress", [True, False])
def test_written_once_is_the_same_pdf(compress):
    plain, once = io.BytesIO(), io.BytesIO()
    _document().write(plain, version=b"1.7", identifier=b"0123456789abcdef", compress=compress)
    document = _document()
    pdf._write_once(document)
    document.write(once, version=b"1.7", identifier=b"0123456789abcdef", compress=compress)
    assert once.getvalue() == plain.getvalue()


def test_pydyf_is_left_as_it_was():
    before = {name: getattr(pydyf, name).__dict__["data"] for name in pdf._SERIALIZED}
    document = _document()
    pdf._write_once(document)
    document.write(io.BytesIO(), identifier=True, compress=True)
    broken = _document()
    pdf._write_once(broken)
    with pytest.raises(AttributeError):
        broken.write(None)  # no output stream: fails inside write
    assert {name: getattr(pydyf, name).__dict__["data"] for name in pdf._SERIALIZED} == before
