"""The HTML template (templates/brief.html): read as a brief file and checked before Pandoc sees it.

Pandoc reads a template's partials (`${ name() }`, `$name()$`, `${ it:name() }`) while it reads the template,
outside its --sandbox: any path, `../`, absolute paths and links. A partial is the only way a template names
a file, so none is allowed: a template is one self-contained file, handed to Pandoc from memory. (What a
template may not ask of WeasyPrint, such as a rel="attachment", pdf.render_pdf refuses for any HTML.)
"""

from __future__ import annotations

import re

from .brieffiles import MAX_TEMPLATE_BYTES
from .problems import BuildError, Problem

# Pandoc (doctemplates) reads a partial as a name of letters, digits and _-./\ followed at once by "()";
# refusing every "()" is a superset that needs no model of where a directive starts or ends.
_PARTIAL = re.compile(r"([^\s$(){}]*)\(\)")
# The Pandoc HTML template, in the brief's templates/ or the repository's.
TEMPLATE = "brief.html"


def check_template(text: str, display: str) -> list[Problem]:
    """Problems of a template's text: each partial, with its line."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        for found in _PARTIAL.finditer(line):
            name = found.group(1)[-60:]
            problems.append(Problem(display, number, f"template partial '{name}()' is not allowed: Pandoc would read "
                                                     "the file it names; put the markup in the template itself"))
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
