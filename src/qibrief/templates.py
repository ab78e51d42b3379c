"""The HTML template (templates/brief.html): read as a brief file and checked before Pandoc sees it.

Pandoc reads a template's partials (`${ name() }`, `$name()$`, `${ it:name() }`) while it reads the template,
outside its --sandbox: any path, `../`, absolute paths and links. A partial is the only way a template names
a file, so none is allowed: a template is one self-contained file, handed to Pandoc from memory. Nor may a
template ask for a PDF attachment (rel="attachment"), which WeasyPrint would fill from a file.
"""

from __future__ import annotations

import re

from .brieffiles import MAX_TEMPLATE_BYTES
from .problems import BuildError, Problem

# Pandoc (doctemplates) reads a partial as a name of letters, digits and _-./\ followed at once by "()";
# refusing every "()" is a superset that needs no model of where a directive starts or ends.
_PARTIAL = re.compile(r"([^\s$(){}]*)\(\)")
_ATTACHMENT = re.compile(r"""\brel\s*=\s*(?:"[^"]*\battachment\b[^"]*"|'[^']*\battachment\b[^']*'|attachment\b)""",
                         re.IGNORECASE)


def check_template(text: str, display: str) -> list[Problem]:
    """Problems of a template's text: each partial and each rel="attachment", with its line."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        for found in _PARTIAL.finditer(line):
            name = found.group(1)[-60:] or "()"
            problems.append(Problem(display, number, f"template partial '{name}()' is not allowed: Pandoc would read "
                                                     "the file it names; put the markup in the template itself"))
        if _ATTACHMENT.search(line):
            problems.append(Problem(display, number, 'rel="attachment" is not allowed: a PDF gets no attachments'))
    return problems


def read_template(project, name: str) -> bytes:
    """The bytes of templates/NAME (the brief's, or the repository's), read as a brief file and checked;
    BuildError with each problem's line otherwise."""
    path = project.templates_dir / name
    text = project.read_text(path, limit=MAX_TEMPLATE_BYTES)
    problems = check_template(text, project.display(path))
    if problems:
        raise BuildError("Template refused.", problems)
    return text.encode("utf-8")
