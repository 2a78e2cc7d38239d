"""Candidates: exact label and alias look-ups of our names and their spelling variants, and the
facts of each candidate item (kinds, country, offices)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ldpub.linking.client import PREFIXES, QID_IRI, SparqlClient, chunks, qid_of
from ldpub.linking.entities import Kinds, OurEntity
from ldpub.linking.translit import VariantTable, script

# ------------------------------------------------------------------------------------------ candidates


@dataclass
class Candidate:
    entity: OurEntity
    qid: str
    label: str = ""
    description: str = ""
    matched: dict[str, str] = field(default_factory=dict)  # literal found ("text@lang") -> how (label/altLabel)
    score: int = 0
    decision: str = "review"  # propose | review | reject
    evidence: list[str] = field(default_factory=list)  # "+40 English label 'X' ..." / "REJECT ..."

    @property
    def reasons(self) -> list[str]:
        return [e for e in self.evidence if e.startswith("REJECT")]


@dataclass
class ItemFacts:
    labels: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # prop -> [(text, lang)]
    classes: dict[str, str] = field(default_factory=dict)  # P31 class QID -> label
    roots: set[str] = field(default_factory=set)  # kind roots reached from P31 via P279*
    countries: dict[str, dict[str, str]] = field(default_factory=dict)  # PID -> {QID: label}
    positions: list[dict[str, str]] = field(default_factory=list)  # {pos, label, start, end}


def _lit(text: str, lang: str) -> str:
    """A language-tagged SPARQL literal ("text"@lang; JSON string escapes are SPARQL's too)."""
    return json.dumps(text, ensure_ascii=False) + "@" + lang


def _search_literals(entity: OurEntity, table: VariantTable) -> dict[str, str]:
    """Literal to look up ("text"@lang) -> the variant it stands for."""
    names = [t for t, _ in entity.labels] or [entity.slug]
    if entity.kind == "person":  # surname alone too, so that name items and homonyms show up
        names += [t.split()[-1] for t in list(names) if len(t.split()) > 1]
    out: dict[str, str] = {}
    for name in names:
        for v in table.variants(name):
            for lang in ("en",) if script(v) == "latin" else ("ru", "kk") if script(v) == "cyrillic" else ():
                out.setdefault(_lit(v, lang), v)
    return out


def find_candidates(client: SparqlClient, entities: list[OurEntity], table: VariantTable) -> list[Candidate]:
    wanted: dict[str, list[OurEntity]] = {}
    for e in entities:
        for lit in _search_literals(e, table):
            wanted.setdefault(lit, []).append(e)
    found: dict[tuple[str, str], Candidate] = {}
    for chunk in chunks(sorted(wanted), 40):
        rows = client.select(
            PREFIXES
            + "SELECT ?item ?name ?how WHERE {\n  VALUES ?name { "
            + " ".join(chunk)
            + " }\n  VALUES ?how { rdfs:label skos:altLabel }\n  ?item ?how ?name .\n}"
        )
        for row in rows:
            if not QID_IRI.match(row["item"]):
                continue
            lit = _lit(row["name"], row.get("name@lang", ""))
            for e in wanted.get(lit, []):
                cand = found.setdefault((e.iri, qid_of(row["item"])), Candidate(e, qid_of(row["item"])))
                cand.matched[lit] = "label" if row["how"].endswith("#label") else "alias"
    return sorted(found.values(), key=lambda c: (c.entity.iri, int(c.qid[1:])))


def fetch_facts(client: SparqlClient, qids: list[str], kinds: Kinds) -> dict[str, ItemFacts]:
    facts = {q: ItemFacts() for q in qids}
    roots = sorted({r for rs in kinds.roots.values() for r in rs})
    props = sorted(set(kinds.country_prop.values()))
    for chunk in chunks(sorted(qids, key=lambda q: int(q[1:])), 25):
        items = " ".join(f"wd:{q}" for q in chunk)
        for row in client.select(
            PREFIXES + f"SELECT ?item ?p ?v WHERE {{ VALUES ?item {{ {items} }} "
            "VALUES ?p { rdfs:label skos:altLabel schema:description } ?item ?p ?v "
            'FILTER(LANG(?v) IN ("en", "ru", "kk")) }'
        ):
            facts[qid_of(row["item"])].labels.setdefault(row["p"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], []).append(
                (row["v"], row.get("v@lang", ""))
            )
        for row in client.select(
            PREFIXES + f"SELECT ?item ?cls ?clsLabel ?root WHERE {{ VALUES ?item {{ {items} }} ?item wdt:P31 ?cls . "
            'OPTIONAL { ?cls rdfs:label ?clsLabel FILTER(LANG(?clsLabel) = "en") } '
            f"OPTIONAL {{ VALUES ?root {{ {' '.join('wd:' + r for r in roots)} }} ?cls wdt:P279* ?root }} }}"
        ):
            f = facts[qid_of(row["item"])]
            f.classes[qid_of(row["cls"])] = row.get("clsLabel", "")
            if "root" in row:
                f.roots.add(qid_of(row["root"]))
        for row in client.select(
            PREFIXES + f"SELECT ?item ?prop ?c ?cLabel WHERE {{ VALUES ?item {{ {items} }} "
            f"VALUES ?prop {{ {' '.join('wdt:' + p for p in props)} }} ?item ?prop ?c . "
            'OPTIONAL { ?c rdfs:label ?cLabel FILTER(LANG(?cLabel) = "en") } }'
        ):
            facts[qid_of(row["item"])].countries.setdefault(row["prop"].rsplit("/", 1)[-1], {})[
                qid_of(row["c"])
            ] = row.get("cLabel", "")
        for row in client.select(
            PREFIXES + f"SELECT ?item ?pos ?posLabel ?start ?end WHERE {{ VALUES ?item {{ {items} }} "
            "?item p:P39 ?st . ?st ps:P39 ?pos . OPTIONAL { ?st pq:P580 ?start } OPTIONAL { ?st pq:P582 ?end } "
            'OPTIONAL { ?pos rdfs:label ?posLabel FILTER(LANG(?posLabel) = "en") } }'
        ):
            facts[qid_of(row["item"])].positions.append(
                {
                    "pos": qid_of(row["pos"]),
                    "label": row.get("posLabel", ""),
                    "start": row.get("start", "")[:10],
                    "end": row.get("end", "")[:10],
                }
            )
    return facts
