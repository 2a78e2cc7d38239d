"""The article page (/article): the text in paragraphs and sentences, names linked to their
entities, each claim's quote marked and its sentence tinted by the claim's status."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from ldpub.site.model import ClaimRef, Site
from ldpub.site.text import natural_key
from ldpub.site.views import Page


def article_view(site: Site) -> dict | None:
    """Paragraphs of sentences; each sentence has segments (text, optional entity link, whether it
    is inside a claim's quote) and the claims it carries (with their status)."""
    text = site.article_text
    if text is None:
        return None
    by_sentence: dict[int, list[ClaimRef]] = defaultdict(list)
    quotes: list[tuple[int, int, str]] = []
    for claim, sel in sorted(site.selectors.items(), key=lambda kv: (kv[1].start, natural_key(kv[0]))):
        if not (0 <= sel.start < sel.end <= len(text)):
            continue
        quotes.append((sel.start, sel.end, claim))
        for i, (_, s, e) in enumerate(site.sentences):
            if s < sel.end and e > sel.start:
                by_sentence[i].append(site.claim_ref(claim))
    paragraphs: list[list[dict]] = []
    last_para = None
    for i, (para, s, e) in enumerate(site.sentences):
        if para != last_para:
            paragraphs.append([])
            last_para = para
        claims = list({c.iri: c for c in by_sentence.get(i, [])}.values())
        paragraphs[-1].append({
            "segments": _segments(text, s, e, site.mentions(text[s:e], s), quotes),
            "claims": claims,
            "slug": claims[0].slug if claims else "",
            "title": "; ".join(f"{c.status_label}: {c.label}" for c in claims),
        })
    used = {c.status for para in paragraphs for sent in para for c in sent["claims"]}
    return {
        "iri": site.article_iri,
        "label": site.label(site.article_iri) if site.article_iri else "Article",
        "paragraphs": paragraphs,
        "legend": [st for st in site.statuses.values() if st["iri"] in used],
    }


def _segments(text: str, start: int, end: int, mentions: list[tuple[int, int, str]],
              quotes: list[tuple[int, int, Any]]) -> list[dict]:
    """One sentence (text[start:end]) cut wherever a mention or a quote begins or ends."""
    cuts = {start, end}
    for s, e, _ in mentions:
        cuts.update((s, e))
    for s, e, _ in quotes:
        if s < end and e > start:
            cuts.update((max(s, start), min(e, end)))
    points = sorted(c for c in cuts if start <= c <= end)
    out = []
    for a, b in itertools.pairwise(points):
        link = next((iri for s, e, iri in mentions if s <= a and b <= e), None)
        quoted = [c for s, e, c in quotes if s <= a and b <= e]
        out.append({"text": text[a:b], "href": link, "quoted": bool(quoted)})
    return out


PAGE = Page("/article", "article.html", article_view, "This dataset has no article text to show.")
