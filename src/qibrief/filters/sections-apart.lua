-- Reads each section on its own: the input's blocks are code blocks, one per section file, holding its text;
-- each becomes a Div of that section's blocks, read with the build's reader (metadata qibrief-reader).
-- With the bibliography in the metadata (--metadata-file references.yaml), also writes it as CSL JSON into
-- the metadata key qibrief-csljson: the item data the DOCX's citation fields carry.
function Pandoc(doc)
  local reader = pandoc.utils.stringify(doc.meta["qibrief-reader"])
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    table.insert(blocks, pandoc.Div(pandoc.read(block.text, reader).blocks))
  end
  local meta = {}
  if doc.meta.references then
    meta["qibrief-csljson"] = pandoc.write(pandoc.Pandoc({}, {references = doc.meta.references}), "csljson")
  end
  return pandoc.Pandoc(blocks, meta)
end
