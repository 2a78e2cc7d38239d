"""The links file (data/wikidata-links.ttl): confirmed links, each a kzm:Link saying who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib

from ldpub.linking.client import MATCH_TYPES, QID, qid_of
from ldpub.linking.review import _q
from ldpub.ns import WD

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
