"""The text of one article (/article/<path of its IRI>, see ldpub.iris): its paragraphs and
sentences, names linked to their entities, and the quote of each of its own claims marked and its
sentence tinted by the claim's status. Claims of other articles are never drawn here."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from ldpub.iris import ARTICLES
from ldpub.site.model import ClaimRef, Site
from ldpub.site.text import natural_key
from ldpub.site.views import Page


def article_view(site: Site, path: str) -> dict | None:
    """The article whose IRI is <base><path>, None when there is no such article with a text.
    Paragraphs of sentences; each sentence has segments (text, optional entity link, whether it
    is inside a claim's quote) and the claims it carries (with their status)."""
    iri = site.iris.iri_of_path(path)
    article = site.article(iri)
    if article is None or article.text is None:
        return None
    text = article.text
    by_sentence: dict[int, list[ClaimRef]] = defaultdict(list)
    quotes: list[tuple[int, int, str]] = []
    own = [(c, sel) for c in site.article_claims(iri) if (sel := site.selector(c)) is not None]
    for claim, sel in sorted(own, key=lambda kv: (kv[1].start, natural_key(kv[0]))):
        if not (0 <= sel.start < sel.end <= len(text)):
            continue
        quotes.append((sel.start, sel.end, claim))
        for i, (_, s, e) in enumerate(article.sentences):
            if s < sel.end and e > sel.start:
                by_sentence[i].append(site.claim_ref(claim))
    paragraphs: list[list[dict]] = []
    last_para = None
    for i, (para, s, e) in enumerate(article.sentences):
        if para != last_para:
            paragraphs.append([])
            last_para = para
        claims = list({c.iri: c for c in by_sentence.get(i, [])}.values())
        paragraphs[-1].append({
            "segments": _segments(text, s, e, site.mentions(iri, text[s:e], s), quotes),
            "claims": claims,
            "slug": claims[0].slug if claims else "",
            "title": "; ".join(f"{c.status_label}: {c.label}" for c in claims),
        })
    used = {c.status for para in paragraphs for sent in para for c in sent["claims"]}
    return {
        "iri": iri,
        "label": site.label(iri),
        "claims": len(own),
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


PAGE = Page(f"/{ARTICLES}/{{path:path}}", "article.html", article_view,
            "No article of this dataset has its text here: see the index of the articles.")
