"""The editors' round trip: what the DOCX carries back (markers, citation fields, what was sent), and `import`,
which brings an edited DOCX back into the brief's section files.

- `markers`: the words of the invisible index-entry (XE) fields that mark sections, heading ids and citations.
- `sent`: each section read on its own and the bibliography as CSL JSON, for the DOCX's citation fields;
  the digest of each section file sent.
- `canonical`: the one Markdown form of a section that Pandoc's writer and the import both produce.
- `importer`: the edited DOCX read by Pandoc, turned back into section files, with a report.
- `review`: pending tracked changes and comments, listed and written as CriticMarkup.
"""
