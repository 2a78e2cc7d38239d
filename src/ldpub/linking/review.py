"""The review: `ldpub link` proposes candidates into review files (.cache/linking/review.tsv and
review.ttl) a reviewer reads, and `ldpub link accept` moves a reviewed candidate into the links file.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pyoxigraph as ox

from ldpub import ns
from ldpub.iris import IriScheme
from ldpub.linking.candidates import Candidate
from ldpub.linking.client import QID, THRESHOLD, SparqlClient, qid_of
from ldpub.linking.entities import Kinds, OurEntity, is_typed, select_entities, source_files
from ldpub.linking.links import Link, add_link
from ldpub.linking.scoring import clear_winner, propose
from ldpub.linking.translit import VariantTable
from ldpub.rdf import rdf_bytes
from ldpub.settings import Settings

# ------------------------------------------------------------------------------------------ review files

REVIEW_COLUMNS = ["entity", "slug", "kind", "rank", "qid", "label", "description", "score", "decision", "evidence"]
REVIEW_HEADER = "# Candidates proposed by `ldpub link`, for review. Not data: nothing here is published.\n"


def review_quads(ranked: dict[str, list[Candidate]], entities: list[OurEntity], iris: IriScheme) -> list[ox.Quad]:
    """Each candidate as a kzm:LinkCandidate: our entity, the item, its rank, score, decision and evidence."""

    def kzm(name: str) -> ox.NamedNode:
        return ox.NamedNode(iris.term(name))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ns.XSD_INTEGER)

    quads = []
    for e in entities:
        for i, c in enumerate(ranked.get(e.iri, []), 1):
            node = ox.NamedNode(iris.id(f"link/candidate/{e.slug}-{c.qid}"))
            quads += [
                ox.Quad(node, ns.RDF_TYPE, kzm("LinkCandidate")),
                ox.Quad(node, ox.NamedNode(ns.RDFS + "label"), ox.Literal(f"{e.label} ~ {c.label} ({c.qid})")),
                ox.Quad(node, kzm("subject"), ox.NamedNode(e.iri)),
                ox.Quad(node, kzm("object"), ox.NamedNode(ns.WD + c.qid)),
                ox.Quad(node, kzm("rank"), integer(i)),
                ox.Quad(node, kzm("score"), integer(c.score)),
                ox.Quad(node, kzm("decision"), ox.Literal(c.decision)),
            ]
            quads += [ox.Quad(node, kzm("evidenceText"), ox.Literal(x)) for x in c.evidence]
    return quads


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
    iris = IriScheme(base_iri)
    prefixes = {"kzm": iris.vocab, "id": iris.ids, "wd": ns.WD, "rdfs": ns.RDFS, "xsd": ns.XSD}
    body = rdf_bytes(review_quads(ranked, entities, iris), ox.RdfFormat.TURTLE, prefixes)
    (out / "review.ttl").write_bytes(REVIEW_HEADER.encode("utf-8") + b"\n" + body)


def read_review(out: Path) -> list[dict[str, str]]:
    path = out / "review.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


# ------------------------------------------------------------------------------------------ ldpub link


def propose_for_review(settings: Settings, client: SparqlClient, *, out: Path, links_path: Path,
                       data: list[Path] | None = None, only: list[str] | None = None, as_of: str = "",
                       auto_accept: bool = False) -> int:
    """`ldpub link`: candidates for our entities, scored, into the review files; with auto_accept,
    a clear winner (scoring.clear_winner) goes into the links file as the tool's link."""
    kinds = Kinds.load(settings.data_path / "linking" / "kinds.tsv")
    table = VariantTable.load(settings.data_path / "linking" / "transliterations.tsv")
    entities = select_entities(settings, kinds, data, only or ())
    ranked = propose(client, entities, kinds, table, as_of=as_of)
    write_review(out, ranked, entities, settings.base_iri)
    for e in entities:
        cands = ranked[e.iri]
        print(f"{e.slug} ({e.kind}, '{e.label}'): {len(cands)} candidate(s)")
        for c in cands:
            print(f"  {c.decision:<8} {c.score:>3}  {c.qid}  {c.label} — {c.description}")
            for line in c.evidence:
                print(f"             {line}")
        winner = clear_winner(cands) if auto_accept else None
        if winner is not None:
            link = Link(e.iri, winner.qid, "exact", "high" if winner.score >= 95 else "medium",
                        "; ".join(winner.evidence), settings.iris.agent("ldpub-link"),
                        "ldpub link (automatic reconciliation above the threshold)", True,
                        dt.date.today().isoformat())
            try:
                add_link(links_path, link, settings.base_iri)
                print(f"  accepted automatically: {winner.qid} into {links_path}")
            except ValueError as exc:
                print(f"  not accepted: {exc}")
    print(f"review written to {out / 'review.tsv'} and {out / 'review.ttl'} ({client.requests} request(s) sent)")
    return 0


# ------------------------------------------------------------------------------------------ ldpub link accept


def agent_slug(name: str) -> str:
    """The id/agent/<slug> of a reviewer's name."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "reviewer"


def accept(settings: Settings, qid: str, entity: str, *, out: Path, links_path: Path,
           data: list[Path] | None = None, match: str = "exact", reviewer: str = "ldpub editors",
           evidence: str | None = None, confidence: str | None = None, date: str | None = None,
           replace: bool = False, force: bool = False) -> int:
    """`ldpub link accept QID ENTITY`: move a reviewed candidate into the links file, with who,
    when and why. Refused (ValueError) for an entity our data lacks, a candidate the review
    rejected or lacks (unless forced), or a second exact match (unless replacing)."""
    if qid.startswith(ns.WD):
        qid = qid_of(qid)
    entity = entity if entity.startswith("http") else settings.iris.id(entity.removeprefix("id:"))
    if not QID.match(qid):
        raise ValueError(f"not a Wikidata item id: {qid!r}")
    if not force and not is_typed(settings, data or source_files(settings), entity):
        raise ValueError(f"{entity} is not an entity of our data (no rdf:type); only what the article contains is linked")
    row = next((r for r in read_review(out) if r["entity"] == entity and r["qid"] == qid), None)
    if row is None and not (force and evidence):
        raise ValueError(f"{qid} is not a reviewed candidate for {entity} in {out / 'review.tsv'} "
                         "(run `ldpub link` first, or give --force with --evidence)")
    if row is not None and row["decision"] == "reject" and not force:
        raise ValueError(f"the review rejected {qid} for {entity}: {row['evidence']} (--force to override)")
    text = evidence or (row["evidence"] if row is not None else "")
    if evidence and row is not None:
        text = f"{evidence} | tool evidence (score {row['score']}): {row['evidence']}"
    confidence = confidence or (
        "high" if row and int(row["score"]) >= 95 else "medium" if row and int(row["score"]) >= THRESHOLD else "low"
    )
    link = Link(entity, qid, match, confidence, text, settings.iris.agent(agent_slug(reviewer)),
                reviewer, False, date or dt.date.today().isoformat())
    add_link(links_path, link, settings.base_iri, replace=replace)
    print(f"{entity} {match} match {ns.WD}{qid} written to {links_path}")
    return 0
