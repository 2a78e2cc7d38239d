"""`ldpub link`: propose, review and accept Wikidata links for our persons, organisations and places.

    ldpub link [--endpoint URL] [--out DIR] [--entity SLUG ...]   propose: write DIR/review.tsv + review.ttl
    ldpub link accept QID ENTITY [--match exact|close|related]    move a reviewed candidate into the links file
    ldpub link --enrich [--enrich-out FILE]                       fetch facts of linked items into their own graph

Candidates come from exact label/alias look-ups of our labels and their spelling variants
(data/linking/transliterations.tsv) in en/ru/kk; each is checked against what the article says
(kind of thing, the article's country, office held around the article's date) and scored with the
evidence for every point. Nothing is written to data/ unless a reviewer runs `accept` (or asks for
--auto-accept, which only takes an unambiguous candidate at or above the threshold).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import httpx

from ldpub import __version__ as _VERSION
from ldpub.config import Settings, load_settings
from ldpub.translit import VariantTable, script

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
WD = "http://www.wikidata.org/entity/"
QID_IRI = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
QID = re.compile(r"^Q[1-9][0-9]*$")
THRESHOLD = 80  # at or above: "propose"; below: "review" (never accepted automatically)
AUTO_MARGIN = 20  # --auto-accept also needs this lead over the runner-up
LANGS = ("en", "ru", "kk")
MATCH_TYPES = {
    "exact": "http://www.w3.org/2004/02/skos/core#exactMatch",
    "close": "http://www.w3.org/2004/02/skos/core#closeMatch",
    "related": "http://www.w3.org/2004/02/skos/core#relatedMatch",
}

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""


def user_agent() -> str:
    """Wikimedia's User-Agent policy: name/version, where to find us, the library."""
    return os.environ.get("LDPUB_LINK_USER_AGENT") or (
        f"ldpub/{_VERSION} (linked-data publisher of one article; https://w3id.org/kz-masimov/) "
        f"httpx/{httpx.__version__}"
    )


# ------------------------------------------------------------------------------------------ HTTP client


class EndpointError(RuntimeError):
    pass


class SparqlClient:
    """A polite SPARQL client: descriptive User-Agent, one request per `min_interval` seconds,
    back-off on 429/503 honouring Retry-After, and an on-disk cache keyed by endpoint + query
    so that a re-run does not ask again."""

    def __init__(
        self,
        endpoint: str,
        *,
        cache_dir: Path | None = None,
        min_interval: float = 1.0,
        max_retries: int = 5,
        max_wait: float = 300.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.cache_dir = cache_dir
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0  # HTTP requests actually sent (cache hits do not count)
        self._last = 0.0
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent(), "Accept": "application/sparql-results+json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "SparqlClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cache_file(self, query: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _wait_turn(self) -> None:
        gap = self.min_interval - (time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = time.monotonic()

    def _send(self, query: str) -> httpx.Response:
        self._wait_turn()
        self.requests += 1
        if len(query) < 6000:
            return self._http.get(self.endpoint, params={"query": query})
        return self._http.post(self.endpoint, data={"query": query})

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT query, each {var: value} (IRIs and literal lexical forms; language in var@lang)."""
        cache = self._cache_file(query)
        if cache is not None and cache.is_file():
            return json.loads(cache.read_text(encoding="utf-8"))
        for attempt in range(self.max_retries + 1):
            try:
                resp = self._send(query)
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    raise EndpointError(f"{self.endpoint}: {exc}") from exc
                self.sleep(min(2.0**attempt, self.max_wait))
                continue
            if resp.status_code in (429, 503) and attempt < self.max_retries:
                delay = retry_after(resp.headers.get("Retry-After"))
                delay = 2.0**attempt if delay is None else delay
                if delay > self.max_wait:
                    raise EndpointError(f"{self.endpoint}: told to wait {delay:.0f}s (more than {self.max_wait:.0f}s)")
                self.sleep(delay)
                continue
            if resp.status_code != 200:
                raise EndpointError(f"{self.endpoint}: HTTP {resp.status_code}: {resp.text[:300]}")
            rows = [_flatten(b) for b in resp.json()["results"]["bindings"]]
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp")
                tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
                tmp.replace(cache)
            return rows
        raise EndpointError(f"{self.endpoint}: still refused after {self.max_retries} retries")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _flatten(binding: dict) -> dict[str, str]:
    """{var: value}, plus var@lang, var@datatype and var@type (uri | literal | bnode) where they say more."""
    row = {}
    for var, term in binding.items():
        row[var] = term["value"]
        row[f"{var}@type"] = "literal" if term["type"] == "typed-literal" else term["type"]
        for key in ("xml:lang", "datatype"):
            if term.get(key):
                row[f"{var}@{key.removeprefix('xml:')}"] = term[key]
    return row


def qid_of(iri: str) -> str:
    m = QID_IRI.match(iri)
    return m.group(1) if m else iri.rsplit("/", 1)[-1]


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _lit(text: str, lang: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "@" + lang


# ------------------------------------------------------------------------------------------ our entities


@dataclass(frozen=True)
class Kinds:
    classes: list[tuple[str, str]]  # (class IRI, kind), first match wins
    roots: dict[str, dict[str, str]]  # kind -> {QID: label}
    country_prop: dict[str, str]  # kind -> PID
    # Facts about the article the candidates are checked against (rows "article country|date").
    country: str = ""  # QID of the article's country
    country_label: str = ""
    as_of: str = ""  # YYYY-MM-DD: offices are checked around this date
    description_pattern: str = ""  # regex: a description matching it mentions the article's country

    @classmethod
    def load(cls, path: Path) -> "Kinds":
        classes, roots, props, article = [], {}, {}, {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            row = line.split("\t")
            if row[0] == "class":
                classes.append((row[1], row[2]))
            elif row[0] == "root":
                roots.setdefault(row[1], {})[row[2]] = row[3]
            elif row[0] == "country":
                props[row[1]] = row[2]
            elif row[0] == "article":
                article[row[1]] = row[2:]
        country, label = (article.get("country", []) + ["", ""])[:2]
        return cls(classes, roots, props, country, label, (article.get("date") or [""])[0],
                   (article.get("description") or [""])[0])


@dataclass
class OurEntity:
    iri: str
    slug: str
    kind: str
    labels: list[tuple[str, str]]  # (text, lang)
    posts: list[str] = field(default_factory=list)  # labels of posts the article mentions with it

    @property
    def label(self) -> str:
        en = [t for t, lang in self.labels if lang in ("en", "")]
        return (en or [t for t, _ in self.labels] or [self.slug])[0]


def source_files(settings: Settings) -> list[Path]:
    files = sorted(settings.ontology_path.glob("*.ttl"))
    files += sorted(settings.data_path.glob("*.ttl")) + sorted(settings.data_path.glob("*.trig"))
    return files


def load_dataset(files: Iterable[Path]):
    import rdflib

    ds = rdflib.Dataset(default_union=True)
    for f in files:
        ds.parse(f, format="trig" if f.suffix == ".trig" else "turtle")
    return ds


def our_entities(ds, kinds: Kinds, base_iri: str) -> list[OurEntity]:
    """Persons, organisations and places of our data, with their labels and co-mentioned posts."""
    id_ns = base_iri + "id/"
    types: dict[str, set[str]] = {}
    for s, c in ds.query(
        "SELECT DISTINCT ?s ?c WHERE { ?s a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
    ):
        if str(s).startswith(id_ns):
            types.setdefault(str(s), set()).add(str(c))
    labels: dict[str, dict[tuple[str, str], bool]] = {}  # (text, lang) -> preferred?
    for s, o, q in ds.query(
        """SELECT DISTINCT ?s ?o ?q WHERE { VALUES ?q { <http://www.w3.org/2000/01/rdf-schema#label>
           <https://schema.org/name> <https://schema.org/alternateName> <http://www.w3.org/2004/02/skos/core#prefLabel>
           <http://www.w3.org/2004/02/skos/core#altLabel> <http://xmlns.com/foaf/0.1/name> }
           ?s ?p ?o . ?p <http://www.w3.org/2000/01/rdf-schema#subPropertyOf>* ?q . FILTER(isLiteral(?o)) }"""
    ):
        key = (str(o), getattr(o, "language", None) or "")
        pref = labels.setdefault(str(s), {}).get(key, False)
        labels[str(s)][key] = pref or not str(q).endswith(("altLabel", "alternateName"))
    posts: dict[str, set[str]] = {}
    for s, post in ds.query(
        "SELECT DISTINCT ?s ?post WHERE { GRAPH ?g { { ?s ?p ?o } UNION { ?o ?p ?s } } "
        "GRAPH ?g { { ?post ?q ?v } UNION { ?v ?q ?post } } }"
    ):
        if str(post).startswith(id_ns + "post/") and str(s).startswith(id_ns):
            posts.setdefault(str(s), set()).add(str(post))
    out = []
    for iri, classes in sorted(types.items()):
        kind = next((k for c, k in kinds.classes if c in classes), None)
        if kind is None:
            continue
        post_labels = sorted(t for p in posts.get(iri, ()) for t, lang in labels.get(p, ()) if lang in ("en", ""))
        mine = labels.get(iri, {})
        ordered = sorted(mine, key=lambda k: (not mine[k], k[1] not in ("en", ""), k))  # preferred English first
        out.append(OurEntity(iri, iri[len(id_ns):].replace("/", "-"), kind, ordered, post_labels))
    return out


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
    for chunk in _chunks(sorted(wanted), 40):
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
    for chunk in _chunks(sorted(qids, key=lambda q: int(q[1:])), 25):
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


# ------------------------------------------------------------------------------------------ review files

REVIEW_COLUMNS = ["entity", "slug", "kind", "rank", "qid", "label", "description", "score", "decision", "evidence"]


def write_review(out: Path, ranked: dict[str, list[Candidate]], entities: list[OurEntity], base_iri: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "review.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(REVIEW_COLUMNS)
        for e in entities:
            if not ranked.get(e.iri):
                w.writerow([e.iri, e.slug, e.kind, 0, "", "", "", 0, "none",
                            "no item has one of our names or their variants as label or alias"])
            for i, c in enumerate(ranked.get(e.iri, []), 1):
                w.writerow([e.iri, e.slug, e.kind, i, c.qid, c.label, c.description, c.score, c.decision,
                            " | ".join(c.evidence)])
    lines = [
        "@prefix kzm: <https://w3id.org/kz-masimov/def#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "# Candidates proposed by `ldpub link`, for review. Not data: nothing here is published.",
        "",
    ]
    for e in entities:
        for i, c in enumerate(ranked.get(e.iri, []), 1):
            lines += [
                f"<{base_iri}id/link/candidate/{e.slug}-{c.qid}> a kzm:LinkCandidate ;",
                f"    rdfs:label {_q(f'{e.label} ~ {c.label} ({c.qid})')} ;",
                f"    kzm:subject <{e.iri}> ;",
                f"    kzm:object <{WD}{c.qid}> ;",
                f"    kzm:rank {i} ;",
                f"    kzm:score {c.score} ;",
                f"    kzm:decision {_q(c.decision)} ;",
                "    " + " ;\n    ".join(f"kzm:evidenceText {_q(x)}" for x in c.evidence) + " .",
                "",
            ]
    (out / "review.ttl").write_text("\n".join(lines), encoding="utf-8")


def read_review(out: Path) -> list[dict[str, str]]:
    path = out / "review.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# ------------------------------------------------------------------------------------------ the links file


@dataclass
class Link:
    entity: str  # our IRI
    qid: str
    match: str  # exact | close | related
    confidence: str  # high | medium | low
    evidence: str
    agent: str  # IRI of who or what confirmed it
    agent_label: str
    software: bool  # the agent is this tool
    created: str  # YYYY-MM-DD

    def iri(self, base_iri: str) -> str:
        return f"{base_iri}id/link/{self.entity[len(base_iri) + 3:].replace('/', '-')}-{self.qid}"


LINKS_HEADER = """\
# Links from our entities to Wikidata items (issue 5). Written by `ldpub link accept`; edit with it.
# Policy (README, "Linking with Wikidata"): a link is published only when a reviewer, or the tool above its
# threshold, confirmed the item with evidence; each link is a kzm:Link resource saying who, when and why.
# skos:exactMatch + schema:sameAs = the item denotes exactly what our entity denotes; skos:closeMatch /
# skos:relatedMatch = it only nearly matches. owl:sameAs is not used (it would merge every Wikidata statement
# into our graph and theirs into ours). Entities without a confirmed item carry no link.
"""


def read_links(path: Path) -> list[Link]:
    if not path.is_file():
        return []
    import rdflib

    g = rdflib.Graph().parse(path, format="turtle")
    kzm = rdflib.Namespace("https://w3id.org/kz-masimov/def#")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    by_type = {v: k for k, v in MATCH_TYPES.items()}
    links = []
    for node in g.subjects(rdflib.RDF.type, kzm.Link):
        agent = g.value(node, prov.wasAttributedTo)
        links.append(
            Link(
                entity=str(g.value(node, kzm.subject)),
                qid=qid_of(str(g.value(node, kzm.object))),
                match=by_type[str(g.value(node, kzm.matchType))],
                confidence=str(g.value(node, kzm.confidence)),
                evidence=str(g.value(node, kzm.evidenceText)),
                agent=str(agent),
                agent_label=str(g.value(agent, rdflib.RDFS.label) or ""),
                software=(agent, rdflib.RDF.type, prov.SoftwareAgent) in g,
                created=str(g.value(node, rdflib.URIRef("http://purl.org/dc/terms/created"))),
            )
        )
    return sorted(links, key=lambda l: (l.entity, l.match, int(l.qid[1:])))


def render_links(links: list[Link], base_iri: str) -> str:
    out = [LINKS_HEADER]
    out += [
        f"@prefix {p}: <{ns}> ."
        for p, ns in [
            ("id", base_iri + "id/"),
            ("kzm", base_iri + "def#"),
            ("wd", WD),
            ("skos", "http://www.w3.org/2004/02/skos/core#"),
            ("schema", "https://schema.org/"),
            ("prov", "http://www.w3.org/ns/prov#"),
            ("dcterms", "http://purl.org/dc/terms/"),
            ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
            ("xsd", "http://www.w3.org/2001/XMLSchema#"),
        ]
    ]
    links = sorted(links, key=lambda l: (l.entity, l.match, int(l.qid[1:])))
    agents = {}
    for l in links:
        agents[l.agent] = l
        pred = {"exact": "skos:exactMatch", "close": "skos:closeMatch", "related": "skos:relatedMatch"}[l.match]
        same = f" ;\n    schema:sameAs wd:{l.qid}" if l.match == "exact" else ""
        out += [
            "",
            f"<{l.entity}> {pred} wd:{l.qid}{same} .",
            f"<{l.iri(base_iri)}> a kzm:Link, prov:Entity ;",
            f"    rdfs:label {_q(f'{l.entity[len(base_iri):]} {l.match} match Wikidata {l.qid}')}@en ;",
            f"    kzm:subject <{l.entity}> ;",
            f"    kzm:object wd:{l.qid} ;",
            f"    kzm:matchType {pred} ;",
            f"    kzm:confidence {_q(l.confidence)} ;",
            f"    kzm:evidenceText {_q(l.evidence)}@en ;",
            f"    prov:wasAttributedTo <{l.agent}> ;",
            f'    dcterms:created "{l.created}"^^xsd:date .',
        ]
    for iri, l in sorted(agents.items()):
        kind = "prov:SoftwareAgent" if l.software else "prov:Agent"
        out += ["", f"<{iri}> a {kind} ;", f"    rdfs:label {_q(l.agent_label)}@en ."]
    return "\n".join(out) + "\n"


def add_link(path: Path, link: Link, base_iri: str, *, replace: bool = False) -> list[Link]:
    """Add (or with replace, swap in) a link; at most one exact match per entity, never to our own IRIs."""
    if not QID.match(link.qid):
        raise ValueError(f"not a Wikidata item id: {link.qid!r}")
    links = read_links(path)
    clash = [l for l in links if l.entity == link.entity and (l.qid == link.qid or (link.match == "exact" == l.match))]
    if clash and not replace:
        raise ValueError(
            f"{link.entity} already has {clash[0].match} match {clash[0].qid}; use --replace to swap it"
        )
    links = [l for l in links if l not in clash] + [link]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_links(links, base_iri), encoding="utf-8")
    return links


# ------------------------------------------------------------------------------------------ CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("words", nargs="*", metavar="accept QID ENTITY",
                        help="nothing (propose candidates) or: accept QID ENTITY")
    parser.add_argument("--endpoint", default=os.environ.get("LDPUB_WIKIDATA_ENDPOINT", DEFAULT_ENDPOINT),
                        help=f"SPARQL endpoint in Wikidata's data model (default {DEFAULT_ENDPOINT})")
    parser.add_argument("--out", type=Path, help="review output folder (default .cache/linking)")
    parser.add_argument("--cache", type=Path, help="HTTP answer cache (default .cache/wikidata); --no-cache to skip")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between requests (default 1)")
    parser.add_argument("--entity", action="append", default=[], help="only this entity (slug or IRI); repeatable")
    parser.add_argument("--as-of", default="",
                        help="date the article's offices are checked at (default: the 'article date' row of data/linking/kinds.tsv)")
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="RDF files with our entities (default: ontology/*.ttl, data/*.ttl, data/*.trig)")
    parser.add_argument("--links", type=Path, help="links file (default data/wikidata-links.ttl)")
    parser.add_argument("--auto-accept", action="store_true",
                        help=f"accept a sole candidate scoring >= {THRESHOLD} and leading by {AUTO_MARGIN}")
    # accept
    parser.add_argument("--match", choices=sorted(MATCH_TYPES), default="exact")
    parser.add_argument("--reviewer", default="ldpub editors", help="who confirms the link (accept)")
    parser.add_argument("--evidence", help="evidence text (accept; default: the review's evidence)")
    parser.add_argument("--confidence", choices=["high", "medium", "low"])
    parser.add_argument("--date", default=None, help="confirmation date (default today)")
    parser.add_argument("--replace", action="store_true", help="replace an existing exact match")
    parser.add_argument("--force", action="store_true", help="accept a candidate the review rejected or lacks")
    # enrichment
    parser.add_argument("--enrich", action="store_true", help="fetch facts of linked items into their own graph")
    parser.add_argument("--enrich-out", type=Path, help="TriG output (default data/enrichment/wikidata.trig)")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "reviewer"


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    root = settings.root
    out = args.out or root / ".cache" / "linking"
    links_path = args.links or settings.data_path / "wikidata-links.ttl"
    cache = None if args.no_cache else (args.cache or root / ".cache" / "wikidata")
    try:
        if args.words[:1] == ["accept"]:
            if len(args.words) != 3:
                print("usage: ldpub link accept QID ENTITY", file=sys.stderr)
                return 2
            return _accept(args, settings, out, links_path)
        if args.words:
            print(f"ldpub link: unknown action {args.words[0]!r}", file=sys.stderr)
            return 2
        with SparqlClient(args.endpoint, cache_dir=cache, min_interval=args.interval) as client:
            if args.enrich:
                from ldpub import enrichment

                target = args.enrich_out or settings.data_path / "enrichment" / "wikidata.trig"
                n = enrichment.enrich_to_file(client, read_links(links_path), target)
                print(f"wrote {n} triples about {len(read_links(links_path))} linked items to {target}")
                return 0
            return _propose(args, settings, client, out, links_path)
    except (EndpointError, ValueError) as exc:
        print(f"ldpub link: {exc}", file=sys.stderr)
        return 1


def _entities(args: argparse.Namespace, settings: Settings, kinds: Kinds) -> list[OurEntity]:
    ds = load_dataset(args.data or source_files(settings))
    ents = our_entities(ds, kinds, settings.base_iri)
    if args.entity:
        keep = {x if x.startswith("http") else settings.iri("id/" + x) for x in args.entity}
        ents = [e for e in ents if e.iri in keep]
    return ents


def _propose(args, settings: Settings, client: SparqlClient, out: Path, links_path: Path) -> int:
    kinds = Kinds.load(settings.data_path / "linking" / "kinds.tsv")
    table = VariantTable.load(settings.data_path / "linking" / "transliterations.tsv")
    entities = _entities(args, settings, kinds)
    ranked = propose(client, entities, kinds, table, as_of=args.as_of)
    write_review(out, ranked, entities, settings.base_iri)
    for e in entities:
        cands = ranked[e.iri]
        print(f"{e.slug} ({e.kind}, '{e.label}'): {len(cands)} candidate(s)")
        for c in cands:
            print(f"  {c.decision:<8} {c.score:>3}  {c.qid}  {c.label} — {c.description}")
            for line in c.evidence:
                print(f"             {line}")
        ok = [c for c in cands if c.decision != "reject"]
        if args.auto_accept and ok and ok[0].decision == "propose" and (
            len(ok) == 1 or ok[0].score - ok[1].score >= AUTO_MARGIN
        ):
            link = Link(e.iri, ok[0].qid, "exact", "high" if ok[0].score >= 95 else "medium",
                        "; ".join(ok[0].evidence), settings.iri("id/agent/ldpub-link"),
                        "ldpub link (automatic reconciliation above the threshold)", True,
                        dt.date.today().isoformat())
            try:
                add_link(links_path, link, settings.base_iri)
                print(f"  accepted automatically: {ok[0].qid} into {links_path}")
            except ValueError as exc:
                print(f"  not accepted: {exc}")
    print(f"review written to {out / 'review.tsv'} and {out / 'review.ttl'} ({client.requests} request(s) sent)")
    return 0


def _accept(args, settings: Settings, out: Path, links_path: Path) -> int:
    from rdflib import RDF, URIRef

    qid, ent = args.words[1], args.words[2]
    if qid.startswith(WD):
        qid = qid_of(qid)
    entity = ent if ent.startswith("http") else settings.iri("id/" + ent.removeprefix("id:"))
    if not QID.match(qid):
        raise ValueError(f"not a Wikidata item id: {qid!r}")
    ds = load_dataset(args.data or source_files(settings))
    if not any(True for _ in ds.quads((URIRef(entity), RDF.type, None, None))) and not args.force:
        raise ValueError(f"{entity} is not an entity of our data (no rdf:type); only what the article contains is linked")
    row = next((r for r in read_review(out) if r["entity"] == entity and r["qid"] == qid), None)
    if row is None and not (args.force and args.evidence):
        raise ValueError(f"{qid} is not a reviewed candidate for {entity} in {out / 'review.tsv'} "
                         "(run `ldpub link` first, or give --force with --evidence)")
    if row is not None and row["decision"] == "reject" and not args.force:
        raise ValueError(f"the review rejected {qid} for {entity}: {row['evidence']} (--force to override)")
    evidence = args.evidence or row["evidence"]
    if args.evidence and row is not None:
        evidence = f"{args.evidence} | tool evidence (score {row['score']}): {row['evidence']}"
    confidence = args.confidence or (
        "high" if row and int(row["score"]) >= 95 else "medium" if row and int(row["score"]) >= THRESHOLD else "low"
    )
    link = Link(entity, qid, args.match, confidence, evidence, settings.iri(f"id/agent/{_slug(args.reviewer)}"),
                args.reviewer, False, args.date or dt.date.today().isoformat())
    add_link(links_path, link, settings.base_iri, replace=args.replace)
    print(f"{entity} {args.match} match {WD}{qid} written to {links_path}")
    return 0
