"""The review files (.cache/linking/review.tsv and review.ttl) a reviewer reads before `accept`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ldpub.linking.candidates import Candidate
from ldpub.linking.entities import OurEntity
from ldpub.ns import WD

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
