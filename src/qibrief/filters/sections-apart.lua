-- Reads each section on its own: the input's blocks are code blocks, one per section file, holding its text;
-- each becomes a Div of that section's blocks, read with the build's reader (metadata qibrief-reader).
-- Given a bibliography (--bibliography references.yaml, a list or a `references:` mapping), also writes it as
-- CSL JSON into the metadata key qibrief-csljson: the item data the DOCX's citation fields carry.
function Pandoc(doc)
  local reader = pandoc.utils.stringify(doc.meta["qibrief-reader"])
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    table.insert(blocks, pandoc.Div(pandoc.read(block.text, reader).blocks))
  end
  local meta = {}
  if doc.meta.bibliography then
    -- references() returns only what is cited: nocite @* cites everything.
    doc.meta.nocite = pandoc.MetaInlines{pandoc.Cite({}, {pandoc.Citation("*", "NormalCitation")})}
    local references = pandoc.utils.references(doc)
    meta["qibrief-csljson"] = pandoc.write(pandoc.Pandoc({}, {references = references}), "csljson")
  end
  return pandoc.Pandoc(blocks, meta)
end
