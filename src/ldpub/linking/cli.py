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
import datetime as dt
import os
import re
import sys
from pathlib import Path

from rdflib import RDF, URIRef

from ldpub.linking import enrichment
from ldpub.linking.client import (
    AUTO_MARGIN,
    DEFAULT_ENDPOINT,
    MATCH_TYPES,
    QID,
    THRESHOLD,
    EndpointError,
    SparqlClient,
    qid_of,
)
from ldpub.linking.entities import (
    Kinds,
    OurEntity,
    load_dataset,
    our_entities,
    source_files,
)
from ldpub.linking.links import Link, add_link, read_links
from ldpub.linking.review import read_review, write_review
from ldpub.linking.scoring import propose
from ldpub.linking.translit import VariantTable
from ldpub.ns import WD
from ldpub.settings import Settings, load_settings

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
        with SparqlClient(args.endpoint, cache_dir=cache, min_interval=args.interval,
                          base_iri=settings.base_iri) as client:
            if args.enrich:
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
        keep = {x if x.startswith("http") else settings.iris.id(x) for x in args.entity}
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
                        "; ".join(ok[0].evidence), settings.iris.agent("ldpub-link"),
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
    qid, ent = args.words[1], args.words[2]
    if qid.startswith(WD):
        qid = qid_of(qid)
    entity = ent if ent.startswith("http") else settings.iris.id(ent.removeprefix("id:"))
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
    link = Link(entity, qid, args.match, confidence, evidence, settings.iris.agent(_slug(args.reviewer)),
                args.reviewer, False, args.date or dt.date.today().isoformat())
    add_link(links_path, link, settings.base_iri, replace=args.replace)
    print(f"{entity} {args.match} match {WD}{qid} written to {links_path}")
    return 0
