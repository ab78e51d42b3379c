-- Writes the document, as Pandoc's JSON AST, to the file named by QIBRIEF_AST, and changes nothing.
-- Run after --citeproc, it lets one Pandoc run write the HTML and hand the same parse to the DOCX writer
-- and the checks. The bytes are those of `--to json`, newline included.
function Pandoc(doc)
  local path = os.getenv("QIBRIEF_AST")
  if not path then
    error("dump-ast.lua: QIBRIEF_AST is not set")
  end
  local out = assert(io.open(path, "wb"))
  out:write(pandoc.write(doc, "json"), "\n")
  out:close()
end
