"""An article's text as the claims see it: paragraphs, where a quote is, and what is nearest to a
quote that is not there. Offsets are code points of the UTF-8 text (Python str indices)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# Paragraphs are separated by blank lines; the title line is paragraph 0 (docs/modelling.md).
PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


def paragraph_of(text: str, offset: int) -> int:
    """The number of the paragraph holding `offset`: the paragraph breaks before it."""
    return len(PARAGRAPH_BREAK.findall(text, 0, offset))


def occurrences(text: str, quote: str) -> list[int]:
    """Every start offset of `quote` in `text`, overlapping ones included."""
    found, at = [], text.find(quote)
    while at != -1 and quote:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def nearest_passage(text: str, quote: str) -> tuple[int, str]:
    """(offset, passage): the stretch of `text` most like `quote`: found around their longest common
    run, and bounded by the first and last runs they share there."""
    match = SequenceMatcher(None, text, quote, autojunk=False).find_longest_match(0, len(text), 0, len(quote))
    lo, hi = max(0, match.a - match.b - len(quote) // 2), min(len(text), match.a - match.b + len(quote) * 3 // 2)
    blocks = [b for b in SequenceMatcher(None, text[lo:hi], quote, autojunk=False).get_matching_blocks() if b.size]
    if not blocks:
        return lo, text[lo:lo + len(quote)]
    first, last = blocks[0], blocks[-1]
    start = max(0, lo + first.a - first.b)
    end = min(len(text), lo + last.a + last.size + len(quote) - last.b - last.size)
    return start, text[start:end]
