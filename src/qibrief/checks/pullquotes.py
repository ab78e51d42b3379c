"""Pull quotes (`::: {.pull-quote}` divs) must be taken from the body: verbatim passes, near is a warning naming
both places and the differing words, and a quote no paragraph comes close to is an error.

A deliberate difference is marked on the div, `::: {.pull-quote edited=true}` (or `edited="why"`): a near quote
so marked passes quietly; one that is verbatim again gets a warning to drop the mark, and one no paragraph comes
close to is still an error."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ..problems import WARNING, Problem
from ..sections import Section
from .markdown import Block, blocks, plain
from .text import normalise

NEAR = 0.6  # share of the quote's words found, in order, in one paragraph
_EDGES = re.compile(r"^\W+|\W+$")  # a word's key: lower case, punctuation at either end dropped
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\u2026|\.\.\.)\s*\]|\u2026|\.\s?\.\s?\.)\s*")


@dataclass(frozen=True)
class _Words:
    shown: list[str]
    keys: list[str]


# Cached: every quote is compared with every paragraph, and each paragraph's words are the same each time.
@lru_cache(maxsize=4096)
def _words(text: str) -> _Words:
    shown = normalise(text).split()
    keys = [_key(w.lower()) for w in shown]
    kept = [(s, k) for s, k in zip(shown, keys) if k]
    return _Words([s for s, _ in kept], [k for _, k in kept])


def _key(word: str) -> str:
    # Most words start and end with a word character (str.isalnum() or "_" is the regex's \w): no regex for them.
    first, last = word[0], word[-1]
    if (first.isalnum() or first == "_") and (last.isalnum() or last == "_"):
        return word
    return _EDGES.sub("", word)


def _verbatim(quote: str, paragraph: str) -> bool:
    body = _spaced(paragraph)
    position = 0
    for keys in _parts(quote):
        found = body.find(" " + keys + " ", position)
        if found < 0:
            return False
        position = found + len(keys)
    return True


# Cached too: a quote is compared with every paragraph, and a paragraph with every quote.
@lru_cache(maxsize=4096)
def _spaced(paragraph: str) -> str:
    return " " + " ".join(_words(paragraph).keys) + " "


@lru_cache(maxsize=4096)
def _parts(quote: str) -> tuple[str, ...]:
    # The quote's keys between its ellipses, each part as one string.
    return tuple(keys for keys in (" ".join(_words(part).keys) for part in _ELLIPSIS.split(quote)) if keys)


def _best_cluster(blocks_: list) -> list:
    """Matching blocks that sit close together in the paragraph, the group covering most of the quote."""
    clusters: list[list] = []
    for block in blocks_:
        if clusters:
            last = clusters[-1][-1]
            body_gap = block.b - (last.b + last.size)
            quote_gap = block.a - (last.a + last.size)
            if body_gap <= quote_gap + 6:
                clusters[-1].append(block)
                continue
        clusters.append([block])
    return max(clusters, key=lambda c: sum(b.size for b in c)) if clusters else []


def _differences(quote: _Words, body: _Words, limit: int = 3) -> tuple[float, str]:
    matcher = difflib.SequenceMatcher(None, quote.keys, body.keys, autojunk=False)
    cluster = _best_cluster([b for b in matcher.get_matching_blocks() if b.size])
    if not cluster:
        return 0.0, ""
    score = sum(b.size for b in cluster) / len(quote.keys)
    # The stretch of the paragraph the quote stands for, widened by the quote's unmatched words at either end.
    start = max(cluster[0].b - cluster[0].a, 0)
    end = min(cluster[-1].b + cluster[-1].size + (len(quote.keys) - cluster[-1].a - cluster[-1].size), len(body.keys))
    window, shown_body = body.keys[start:end], body.shown[start:end]
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, quote.keys, window, autojunk=False).get_opcodes():
        said = " ".join(quote.shown[i1:i2])
        has = " ".join(shown_body[j1:j2])
        if tag == "replace":
            changes.append(f'"{said}" for "{has}"')
        elif tag == "delete":
            changes.append(f'adds "{said}"')
        elif tag == "insert":
            changes.append(f'leaves out "{has}"')
    more = len(changes) - limit
    return score, "; ".join(changes[:limit]) + (f"; and {more} more" if more > 0 else "")


def check_pull_quotes(sections: list[Section]) -> list[Problem]:
    """Compare each pull quote with every body paragraph of the brief."""
    all_blocks = [block for section in sections for block in blocks(section)]
    body = [(b, plain(b.text)) for b in all_blocks if not b.pull_quote and not b.text.lstrip().startswith(("#", "[^"))]
    problems = []
    for quote_block in (b for b in all_blocks if b.pull_quote):
        quote = plain(quote_block.text)
        quote_words = _words(quote)
        if not quote_words.keys:
            continue
        where = quote_block.section.display
        if any(_verbatim(quote, text) for _, text in body):
            if quote_block.edited:
                problems.append(Problem(where, quote_block.line, "pull quote is marked edited= but matches the body "
                                        "word for word; remove edited= from its div", WARNING))
            continue
        best: tuple[float, Block | None, str] = (0.0, None, "")
        wanted = Counter(quote_words.keys)
        for block, text in body:
            words = _words(text)
            # The words the two share bound the score from above: a paragraph that cannot beat the best so far
            # is not diffed.
            found = Counter(words.keys)
            if sum(min(n, found[key]) for key, n in wanted.items()) / len(quote_words.keys) <= best[0]:
                continue
            score, changes = _differences(quote_words, words)
            if score > best[0]:
                best = (score, block, changes)
        score, block, changes = best
        if block is not None and score >= NEAR:
            if quote_block.edited:
                continue
            problems.append(Problem(
                where, quote_block.line,
                f"pull quote differs from the body at {block.section.display}:{block.line}: {changes}; if the "
                "difference is deliberate, mark the div: ::: {.pull-quote edited=true}",
                WARNING,
            ))
        else:
            closest = f"; the closest paragraph ({block.section.display}:{block.line}) shares {score:.0%} of its words" if block else ""
            problems.append(Problem(where, quote_block.line, f"pull quote is not taken from the body{closest}"))
    return problems
