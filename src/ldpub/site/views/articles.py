"""The index of the articles (/article): each article with its label, description and claims by
status, linking to its annotated text. The first article's old link (/article) lands here."""

from __future__ import annotations

import bisect
from collections import Counter

from ldpub.iris import ARTICLES
from ldpub.site.model import Site
from ldpub.site.text import natural_key
from ldpub.site.views import Page

ARTICLES_PER_PAGE = 20  # each with its claims counted by status: about 40 claims an article


def article_entries(site: Site, articles: list[str] | None = None) -> list[dict]:
    """One entry per article (every article of the dataset, or those given): its term, description,
    whether its text can be shown, and how many of its claims have each status (the landing page
    lists the same for its page of articles)."""
    out = []
    for iri in site.articles if articles is None else articles:
        article = site.article_text(iri)
        claims = [site.claim_ref(c) for c in site.article_claims(iri)]
        counts = Counter(c.status for c in claims)
        out.append({
            "term": site.term_for_iri(iri),
            "comment": site.comment(iri),
            "has_text": article.text is not None,
            "claims": len(claims),
            "statuses": [(st, counts[st["iri"]]) for st in site.statuses.values() if counts[st["iri"]]],
        })
    return out


def articles_view(site: Site, after: str = "") -> dict | None:
    """The index, ARTICLES_PER_PAGE articles after the cursor `after` (an article IRI); None when
    the dataset has no article."""
    if not site.articles:
        return None
    at = bisect.bisect_right([natural_key(a) for a in site.articles], natural_key(after)) if after else 0
    shown = site.articles[at:at + ARTICLES_PER_PAGE]
    more = at + len(shown) < len(site.articles)
    return {"articles": article_entries(site, shown), "after": after, "next": shown[-1] if more and shown else None}


PAGE = Page(f"/{ARTICLES}", "articles.html", articles_view, "This dataset has no article.", paged=True)
