"""The one way the package parses XML (DOCX parts, CSL styles): lxml with no entity expansion, no DTD, no network
and no huge trees, whatever file it is given."""

from __future__ import annotations

from lxml import etree


def parser() -> etree.XMLParser:
    """A new lxml parser that resolves no entities, loads no DTD, fetches nothing and refuses huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes) -> etree._Element:
    """The root element of an XML document parsed with parser(); etree.XMLSyntaxError when it is not well-formed."""
    return etree.fromstring(data, parser())
