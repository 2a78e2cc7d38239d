"""`ldpub link`: propose, review and accept Wikidata links for our persons, organisations and places.

    ldpub link [--endpoint URL] [--out DIR] [--entity SLUG ...]   propose: write DIR/review.tsv + review.ttl
    ldpub link accept QID ENTITY [--match exact|close|related]    move a reviewed candidate into the links file
    ldpub link --enrich [--enrich-out FILE]                       fetch facts of linked items into their own graph

Candidates come from exact label/alias look-ups of our labels and their spelling variants
(data/linking/transliterations.tsv) in en/ru/kk; each is checked against what the article says
(kind of thing, the article's country, office held around the article's date) and scored with the
evidence for every point. Nothing is written to data/ unless a reviewer runs `accept` (or asks for
--auto-accept, which only takes an unambiguous candidate at or above the threshold).

This module is the argument wiring only: proposing and accepting live in review.py (with the
candidates, scoring and links modules they use), enrichment in enrichment.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ldpub.linking import enrichment, review
from ldpub.linking.client import AUTO_MARGIN, DEFAULT_ENDPOINT, MATCH_TYPES, THRESHOLD, EndpointError, SparqlClient
from ldpub.settings import load_settings


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


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    out = args.out or settings.root / ".cache" / "linking"
    links_path = args.links or settings.links_path
    cache = None if args.no_cache else (args.cache or settings.root / ".cache" / "wikidata")
    if args.words[:1] == ["accept"] and len(args.words) != 3:
        print("usage: ldpub link accept QID ENTITY", file=sys.stderr)
        return 2
    if args.words and args.words[0] != "accept":
        print(f"ldpub link: unknown action {args.words[0]!r}", file=sys.stderr)
        return 2
    try:
        if args.words:
            return review.accept(settings, args.words[1], args.words[2], out=out, links_path=links_path,
                                 data=args.data, match=args.match, reviewer=args.reviewer, evidence=args.evidence,
                                 confidence=args.confidence, date=args.date, replace=args.replace, force=args.force)
        with SparqlClient(args.endpoint, cache_dir=cache, min_interval=args.interval,
                          base_iri=settings.base_iri) as client:
            if args.enrich:
                return enrichment.enrich(settings, client, links_path, args.enrich_out)
            return review.propose_for_review(settings, client, out=out, links_path=links_path, data=args.data,
                                             only=args.entity, as_of=args.as_of, auto_accept=args.auto_accept)
    except (EndpointError, ValueError) as exc:
        print(f"ldpub link: {exc}", file=sys.stderr)
        return 1
