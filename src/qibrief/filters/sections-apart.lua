-- Reads each section on its own: the input's blocks are code blocks, one per section file, holding its text;
-- each becomes a Div of that section's blocks, read with the build's reader (metadata qibrief-reader).
-- Given a bibliography (--bibliography references.yaml, a list or a `references:` mapping), also writes it as
-- CSL JSON into the metadata key qibrief-csljson: the item data the DOCX's citation fields carry.
-- Given citation keys too (metadata qibrief-keys), formats each key's citation twice, as checks/chicago.entry_forms
-- does (its first and a later note), through citeproc with the run's metadata, style and bibliography, into the
-- metadata key qibrief-forms: the same run then serves the source checks and the DOCX.

local function without(meta, names)
  local copy = {}
  for key, value in pairs(meta) do
    copy[key] = value
  end
  for _, name in ipairs(names) do
    copy[name] = nil
  end
  return copy
end

-- references() returns only what is cited: nocite @* cites everything.
local everything = pandoc.MetaInlines{pandoc.Cite({}, {pandoc.Citation("*", "NormalCitation")})}

local function csljson(references)
  return pandoc.write(pandoc.Pandoc({}, {references = references}), "csljson")
end

local function forms(doc, reader, references, written)
  local keys = {}
  for _, key in ipairs(doc.meta["qibrief-keys"]) do
    table.insert(keys, "Text.[@" .. pandoc.utils.stringify(key) .. "]")
  end
  local paragraphs = table.concat(keys, "\n\n")
  local cited = pandoc.read(paragraphs .. "\n\n" .. paragraphs, reader)
  -- The metadata entry_forms's run has: the metadata file's, the style, the bibliography.
  cited.meta = without(doc.meta, {"qibrief-reader", "qibrief-keys"})
  -- The references already parsed stand in for the bibliography file (one parse of it fewer) when they read back
  -- from metadata as the same references, and the metadata holds no references of its own.
  if references ~= nil and cited.meta.references == nil then
    local again = pandoc.utils.references(pandoc.Pandoc({}, {references = references, nocite = everything}))
    if csljson(again) == written then
      cited.meta.bibliography = nil
      cited.meta.references = references
    end
  end
  return pandoc.MetaBlocks(pandoc.utils.citeproc(cited).blocks)
end

function Pandoc(doc)
  local reader = pandoc.utils.stringify(doc.meta["qibrief-reader"])
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    table.insert(blocks, pandoc.Div(pandoc.read(block.text, reader).blocks))
  end
  local meta = {}
  local references
  if doc.meta.bibliography then
    references = pandoc.utils.references(pandoc.Pandoc({}, {bibliography = doc.meta.bibliography,
                                                            nocite = everything}))
    meta["qibrief-csljson"] = csljson(references)
  end
  if doc.meta["qibrief-keys"] then
    meta["qibrief-forms"] = forms(doc, reader, references, meta["qibrief-csljson"])
  end
  return pandoc.Pandoc(blocks, meta)
end
