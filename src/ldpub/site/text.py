"""Pure text helpers of the pages: readable names of IRIs, a natural sort key and the
sentence splitter of the article. Strings in, strings (or offsets) out: no RDF here."""

from __future__ import annotations

import re


def local_name(iri: str) -> str:
    """The readable end of an IRI: after '#', else after the last '/'."""
    tail = iri.rstrip("/#")
    for sep in ("#", "/", ":"):
        if sep in tail:
            tail = tail.rsplit(sep, 1)[1]
            break
    return tail or iri


def natural_key(s: str) -> list:
    """Sort key that orders c2 before c10."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]


def status_slug(iri: str | None) -> str:
    """The CSS class suffix of an epistemic status ('st-<slug>'); 'none' without a status."""
    return re.sub(r"[^a-z0-9-]", "", local_name(iri).lower()) if iri else "none"


# A full stop after one of these (an initial, a title, an abbreviation) does not end a sentence.
_INITIAL = re.compile(r"(?:^|[\s(“\"])(?:[A-Z]|[A-Z][a-z]?\.[A-Z]|Mr|Mrs|Dr|St|No|vs|etc|e\.g|i\.e)\.$")


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """(paragraph number, start, end) of each sentence; paragraphs are separated by blank lines
    (paragraph 0 is the title line). A full stop after a single capital ("K. Masimov") does not end
    a sentence."""
    out: list[tuple[int, int, int]] = []
    para = -1
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        para += 1
        p_start, chunk = m.start(), m.group(0)
        s = 0
        for end_m in re.finditer(r"[.!?…]+[\"”’)\]]*(?=\s+|$)", chunk):
            e = end_m.end()
            if _INITIAL.search(chunk[max(0, end_m.start() - 6):end_m.end()].rstrip("\"”’)]")):
                continue
            nxt = chunk[e:].lstrip()
            if nxt and not (nxt[0].isupper() or nxt[0] in "“\"'(‘[" or nxt[0].isdigit()):
                continue
            _append_sentence(out, para, p_start, chunk, s, e)
            s = e
        _append_sentence(out, para, p_start, chunk, s, len(chunk))
    return out


def _append_sentence(out: list[tuple[int, int, int]], para: int, p_start: int, chunk: str,
                     s: int, e: int) -> None:
    while s < e and chunk[s].isspace():
        s += 1
    if s < e:
        out.append((para, p_start + s, p_start + e))
