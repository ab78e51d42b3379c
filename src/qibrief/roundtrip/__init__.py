"""The editors' round trip: what the DOCX carries back (markers, citation fields, what was sent), and `import`,
which brings an edited DOCX back into the brief's section files.

- `markers`: the words of the invisible index-entry (XE) fields that mark sections, heading ids, note labels and
  how each citation sat in the source.
- `sent`: each section read on its own and the bibliography as CSL JSON (for the DOCX's citation fields, written
  by docx.citations); the digest of each section file sent.
- `canonical`: the one Markdown form of a section that the import writes and the sources keep.
- `wordfields`: the little the import reads from the DOCX's XML itself: the fields' JSON, fields freed from
  tracked insertions.
- `importer`: the edited DOCX read by Pandoc, turned back into section texts, with a report and CriticMarkup.
- `sectionfiles`: what may be overwritten (uncommitted work, the digests sent), and writing a file whole.
- `imports`: the `import` command's work, from a brief folder and a DOCX to written files.
"""
