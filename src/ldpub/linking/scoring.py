"""Scores, with the evidence for each point; a failed check rejects the candidate with its reason."""

from __future__ import annotations

import json
import re

from ldpub.linking.candidates import Candidate, ItemFacts, fetch_facts, find_candidates
from ldpub.linking.client import AUTO_MARGIN, THRESHOLD, SparqlClient
from ldpub.linking.entities import Kinds, OurEntity
from ldpub.linking.translit import VariantTable

# ------------------------------------------------------------------------------------------ scoring


def _words(text: str) -> set[str]:
    stop = {"of", "the", "on", "and", "for", "rk", "republic", "kazakhstan", "in"}
    return {w for w in re.findall(r"\w+", text.casefold()) if w not in stop and len(w) > 2}


def _shift_year(day: str, years: int) -> str:
    return f"{int(day[:4]) + years:04d}{day[4:]}"


def score(cand: Candidate, facts: ItemFacts, kinds: Kinds, table: VariantTable, *, as_of: str = "") -> Candidate:
    """Fill cand.score, .decision and .evidence (one line per point given or reason to reject)."""
    as_of, country, country_label = as_of or kinds.as_of, kinds.country, kinds.country_label
    e, ev, cap = cand.entity, [], 100
    labels = facts.labels.get("label", [])
    cand.label = next((t for t, lang in labels if lang == "en"), labels[0][0] if labels else cand.qid)
    cand.description = next((t for t, lang in facts.labels.get("description", []) if lang == "en"), "")
    ours = {t for t, _ in e.labels} or {e.slug}
    full = {v for t in ours for v in table.variants(t)}

    # 1. name
    best, why = 0, ""
    for lit, how in sorted(cand.matched.items()):
        text = json.loads(lit.rsplit("@", 1)[0])
        lang = lit.rsplit("@", 1)[1]
        if text in full:
            pts = 40 if how == "label" else 30
            src = "our label" if text in ours else "a spelling variant of our label (transliteration table)"
            msg = f"{'label' if how == 'label' else 'alias'} '{text}'@{lang} is {src}"
        else:
            pts, msg = 10, f"{how} '{text}'@{lang} matches only the surname"
        if pts > best:
            best, why = pts, msg
    ev.append(f"+{best} name: {why}")
    points = best

    # 2. kind of thing
    roots = kinds.roots.get(e.kind, {})
    classes = ", ".join(f"{lab or '?'} ({q})" for q, lab in sorted(facts.classes.items())) or "no P31"
    hit = sorted(facts.roots & set(roots))
    if hit:
        points += 20
        ev.append(f"+20 type: instance of {classes}, a kind of {roots[hit[0]]} ({hit[0]}): fits a {e.kind}")
    else:
        want = " or ".join(f"{lab} ({q})" for q, lab in roots.items())
        ev.append(f"REJECT type: instance of {classes}, not a {want}")

    # 3. country
    pid = kinds.country_prop.get(e.kind, "P17")
    seen = facts.countries.get(pid, {})
    if country in seen or (e.kind == "country" and cand.qid == country):
        points += 20
        ev.append(f"+20 country: {pid} {seen.get(country, country_label)} ({country})")
    elif seen:
        other = ", ".join(f"{lab or '?'} ({q})" for q, lab in sorted(seen.items()))
        ev.append(f"REJECT country: {pid} is {other}, not {country_label} ({country}) as in the article")
    else:
        ev.append(f"+0 country: no {pid} statement to check against {country_label} ({country})")

    # 4. office held around the article's date (persons)
    if e.kind == "person":
        lo, hi = _shift_year(as_of, -1), _shift_year(as_of, 1)
        around = [p for p in facts.positions if (p["start"] or "0000") <= hi and (p["end"] or "9999") >= lo]
        if around:
            p = max(around, key=lambda p: ((p["start"] or "0000") <= as_of <= (p["end"] or "9999"), p["start"]))
            span = f"{p['start'] or '?'} – {p['end'] or 'now'}"
            points += 15
            ev.append(f"+15 position held (P39): {p['label'] or '?'} ({p['pos']}) {span}, around {as_of}")
            common = [post for post in e.posts if len(_words(post) & _words(p["label"])) >= 2]
            if common:
                points += 5
                ev.append(f"+5 that position matches the article's post '{common[0]}'")
        elif facts.positions:
            held = "; ".join(f"{p['label'] or p['pos']} {p['start'] or '?'} – {p['end'] or '?'}" for p in facts.positions)
            ev.append(f"REJECT position held (P39): none around {as_of} ({held})")
        elif e.posts:
            ev.append(f"REJECT position held (P39): none, but the article has this person in office in {as_of[:4]}")
        else:
            cap = THRESHOLD - 5
            ev.append(f"+0 position held (P39): none; score capped at {THRESHOLD - 5}: a person is proposed "
                      "only with an office around the article's date")

    # 5. description
    if kinds.description_pattern and re.search(kinds.description_pattern, cand.description, re.I):
        points += 5
        ev.append(f"+5 description: '{cand.description}' mentions {kinds.country_label}")

    cand.score = min(points, 100, cap)
    cand.evidence = ev
    cand.decision = "reject" if cand.reasons else "propose" if cand.score >= THRESHOLD else "review"
    return cand


def rank(cands: list[Candidate]) -> dict[str, list[Candidate]]:
    """Candidates per entity IRI, best first: not rejected before rejected, then score, then QID."""
    by: dict[str, list[Candidate]] = {}
    for c in cands:
        by.setdefault(c.entity.iri, []).append(c)
    order = {"propose": 0, "review": 1, "reject": 2}
    return {k: sorted(v, key=lambda c: (order[c.decision], -c.score, int(c.qid[1:]))) for k, v in sorted(by.items())}


def propose(client: SparqlClient, entities: list[OurEntity], kinds: Kinds, table: VariantTable,
            *, as_of: str = "") -> dict[str, list[Candidate]]:
    cands = find_candidates(client, entities, table)
    facts = fetch_facts(client, sorted({c.qid for c in cands}), kinds)
    for c in cands:
        score(c, facts[c.qid], kinds, table, as_of=as_of)
    ranked = rank(cands)
    for e in entities:
        ranked.setdefault(e.iri, [])
    return ranked


def clear_winner(ranked: list[Candidate]) -> Candidate | None:
    """The candidate --auto-accept may take: the best of an entity's ranked candidates when it is
    proposed and either the only one not rejected or AUTO_MARGIN points ahead of the next."""
    ok = [c for c in ranked if c.decision != "reject"]
    if ok and ok[0].decision == "propose" and (len(ok) == 1 or ok[0].score - ok[1].score >= AUTO_MARGIN):
        return ok[0]
    return None
