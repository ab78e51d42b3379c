-- A citation inside an author's note, printed as Chicago prints it: in place, without parentheses.
--
-- Run right after --citeproc. With a note style, Pandoc's citeproc renders a citation written `@key [3]`
-- inside a note in place, but one written `[@key, 3]` (or `[-@key, 3]`, or a group `[@a; @b, 9]`) in
-- parentheses: "See (Berg, “Title,” 3)." (documented in Pandoc's manual, "Citations in note styles"). Chicago
-- prints the source in the note's own sentence, so both spellings come out the same here: the parentheses
-- citeproc added (a Str "(" first and a Str ")" last in the citation's rendering) are dropped.
--
-- A period or comma the author wrote right after such a citation goes inside a closing quotation mark the
-- citation ends with ("Cooperation." rather than "Cooperation”."), as citeproc does for the notes it makes
-- itself, for the American English locales whose CSL terms put punctuation inside quotes.

local punctuation_inside = true

local function last_str(inlines)
  -- The last Str of a citation's rendering, looking into the spans and emphasis citeproc nests it in.
  for i = #inlines, 1, -1 do
    local el = inlines[i]
    if el.t == "Str" and el.text ~= "" then
      return el
    elseif el.t == "Str" then
      -- citeproc leaves an empty Str after some renderings
    elseif el.content ~= nil and type(el.content) ~= "string" and el.t ~= "Note" then
      local found = last_str(el.content)
      if found ~= nil then
        return found
      end
      return nil
    elseif el.t ~= "Space" then
      return nil
    end
  end
  return nil
end

local function unparenthesise(cite)
  local mode = cite.citations[1].mode
  local content = cite.content
  if mode == "AuthorInText" or #content < 2 then
    return false
  end
  local first, last = content[1], content[#content]
  if first.t ~= "Str" or first.text ~= "(" or last.t ~= "Str" or last.text ~= ")" then
    return false
  end
  content:remove(#content)
  content:remove(1)
  cite.content = content
  return true
end

local function closing_quote(text)
  -- Lua patterns work on bytes: compare the UTF-8 of the closing quotation marks as suffixes.
  for _, mark in ipairs({ "\u{201D}", "\u{2019}" }) do
    if #text >= #mark and text:sub(-#mark) == mark then
      return mark
    end
  end
  return nil
end

local function move_punctuation(inlines)
  -- A Str starting with "." or "," right after a Cite whose rendering ends in a closing quotation mark.
  local out = pandoc.Inlines({})
  local skip = false
  for i, el in ipairs(inlines) do
    local after = inlines[i + 1]
    if el.t == "Cite" and after ~= nil and after.t == "Str" then
      local mark = after.text:sub(1, 1)
      local tail = last_str(el.content)
      local close = tail ~= nil and closing_quote(tail.text) or nil
      if (mark == "." or mark == ",") and close ~= nil then
        local shown = pandoc.utils.stringify(el.content)
        -- A title that ends in its own mark ("Mérida?”") keeps it, and the author's mark is dropped.
        if not shown:sub(1, #shown - #close):match("[.,?!]$") then
          tail.text = tail.text:sub(1, #tail.text - #close) .. mark .. close
        end
        after.text = after.text:sub(2)
        skip = after.text == ""
      end
      out:insert(el)
    elseif skip then
      skip = false
    else
      out:insert(el)
    end
  end
  return out
end

local function in_note(note)
  note = note:walk({ Cite = function(cite) unparenthesise(cite); return cite end })
  if punctuation_inside then
    note = note:walk({ Inlines = move_punctuation })
  end
  return note
end

-- Two passes: the metadata first (for its lang), then each note. Pandoc hands Lua only the notes, not the whole
-- document, which a Pandoc function walking it would take in and give back.
return {
  {
    Meta = function(meta)
      local lang = meta.lang and pandoc.utils.stringify(meta.lang) or "en-US"
      -- CSL's en-US locale sets punctuation-in-quote; en-GB and the other languages do not.
      punctuation_inside = (lang == "en" or lang:match("^en%-US") ~= nil)
    end,
  },
  { Note = in_note },
}
