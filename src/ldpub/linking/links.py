"""The links file (data/wikidata-links.ttl): confirmed links, each a kzm:Link saying who, when and why.

Read with pyoxigraph and written through the one serialiser (ldpub.rdf.rdf_bytes, Turtle), below
the explanatory comment the file starts with (kept as it is when a link is added).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ldpub import ns
from ldpub.iris import IriScheme
from ldpub.linking.client import MATCH_TYPES, QID, qid_of
from ldpub.rdf import rdf_bytes
from ldpub.settings import default_settings
from ldpub.store import load_store

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

    def iri(self, iris: IriScheme) -> str:
        """The kzm:Link resource: <ids>link/<entity's id path>-<QID>."""
        return iris.link(self.entity, self.qid)


LINKS_HEADER = """\
# Links from our entities to Wikidata items (issue 5). Written by `ldpub link accept`; edit with it.
# Policy (README, "Linking with Wikidata"): a link is published only when a reviewer, or the tool above its
# threshold, confirmed the item with evidence; each link is a kzm:Link resource saying who, when and why.
# skos:exactMatch + schema:sameAs = the item denotes exactly what our entity denotes; skos:closeMatch /
# skos:relatedMatch = it only nearly matches. owl:sameAs is not used (it would merge every Wikidata statement
# into our graph and theirs into ours). Entities without a confirmed item carry no link.
"""


def link_prefixes(iris: IriScheme) -> dict[str, str]:
    """The prefixes the links file is written with. Not id:, so our IRIs stay whole and readable
    (<…/id/link/taraz-Q486545>, not id:link\\/taraz-Q486545)."""
    return {"kzm": iris.vocab, "wd": ns.WD, "skos": ns.SKOS, "schema": ns.SCHEMA,
            "prov": ns.PROV, "dcterms": ns.DCTERMS, "rdfs": ns.RDFS, "xsd": ns.XSD}


def _sort_key(link: Link) -> tuple:
    return (link.entity, link.match, int(link.qid[1:]))


def read_links(path: Path, iris: IriScheme | None = None) -> list[Link]:
    """The links of a links file (none when it does not exist). The IRI scheme defaults to the
    project's (ldpub.toml)."""
    if not path.is_file():
        return []
    iris = iris or default_settings().iris
    store = load_store([path])
    default = ox.DefaultGraph()

    def value(node: Any, predicate: str) -> Any:
        objects = sorted((q.object for q in store.quads_for_pattern(node, ox.NamedNode(predicate), None, default)),
                         key=str)
        return objects[0] if objects else None

    def text(node: Any, predicate: str) -> str:
        term = value(node, predicate)
        return term.value if term is not None else ""

    by_type = {v: k for k, v in MATCH_TYPES.items()}
    links = []
    for q in store.quads_for_pattern(None, ns.RDF_TYPE, ox.NamedNode(iris.term("Link")), default):
        node = q.subject
        entity, item, match = (value(node, iris.term(p)) for p in ("subject", "object", "matchType"))
        if not (isinstance(entity, ox.NamedNode) and isinstance(item, ox.NamedNode) and match is not None
                and match.value in by_type):
            raise ValueError(f"{path}: {node} is not a complete kzm:Link (subject, object and a SKOS matchType)")
        agent = value(node, ns.PROV + "wasAttributedTo")
        links.append(Link(
            entity=entity.value,
            qid=qid_of(item.value),
            match=by_type[match.value],
            confidence=text(node, iris.term("confidence")),
            evidence=text(node, iris.term("evidenceText")),
            agent=agent.value if agent is not None else "",
            agent_label=text(agent, ns.RDFS + "label") if agent is not None else "",
            software=agent is not None and ox.Quad(agent, ns.RDF_TYPE, ox.NamedNode(ns.PROV + "SoftwareAgent")) in store,
            created=text(node, ns.DCTERMS + "created"),
        ))
    return sorted(links, key=_sort_key)


def link_quads(links: list[Link], iris: IriScheme) -> list[ox.Quad]:
    """The triples of the links: the mapping itself (skos:*Match, and schema:sameAs for an exact
    match), its kzm:Link resource, and the agents who confirmed them."""

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    rdf_type, label = ns.RDF_TYPE, iri(ns.RDFS + "label")
    kzm = {name: iri(iris.term(name))
           for name in ("Link", "subject", "object", "matchType", "confidence", "evidenceText")}
    quads: list[ox.Quad] = []
    agents: dict[str, Link] = {}
    for link in sorted(links, key=_sort_key):
        agents[link.agent] = link
        entity, item, match = iri(link.entity), iri(ns.WD + link.qid), iri(MATCH_TYPES[link.match])
        node = iri(link.iri(iris))
        quads.append(ox.Quad(entity, match, item))
        if link.match == "exact":
            quads.append(ox.Quad(entity, iri(ns.SCHEMA + "sameAs"), item))
        quads += [
            ox.Quad(node, rdf_type, kzm["Link"]),
            ox.Quad(node, rdf_type, iri(ns.PROV + "Entity")),
            ox.Quad(node, label, en(f"{iris.local(link.entity)} {link.match} match Wikidata {link.qid}")),
            ox.Quad(node, kzm["subject"], entity),
            ox.Quad(node, kzm["object"], item),
            ox.Quad(node, kzm["matchType"], match),
            ox.Quad(node, kzm["confidence"], ox.Literal(link.confidence)),
            ox.Quad(node, kzm["evidenceText"], en(link.evidence)),
            ox.Quad(node, iri(ns.PROV + "wasAttributedTo"), iri(link.agent)),
            ox.Quad(node, iri(ns.DCTERMS + "created"), ox.Literal(link.created, datatype=iri(ns.XSD + "date"))),
        ]
    for agent, link in sorted(agents.items()):
        kind = ns.PROV + ("SoftwareAgent" if link.software else "Agent")
        quads += [ox.Quad(iri(agent), rdf_type, iri(kind)), ox.Quad(iri(agent), label, en(link.agent_label))]
    return quads


def render_links(links: list[Link], base_iri: str, header: str = LINKS_HEADER) -> str:
    """The links file: `header` (comment lines), then the links as Turtle (ldpub.rdf.rdf_bytes)."""
    iris = IriScheme(base_iri)
    body = rdf_bytes(link_quads(links, iris), ox.RdfFormat.TURTLE, link_prefixes(iris)).decode("utf-8")
    return header.rstrip("\n") + "\n\n" + body


def leading_comments(text: str) -> str:
    """The comment block a links file starts with (its header), or LINKS_HEADER when it has none."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    header = "\n".join(lines).strip("\n")
    return header + "\n" if header else LINKS_HEADER


def add_link(path: Path, link: Link, base_iri: str, *, replace: bool = False) -> list[Link]:
    """Add (or with replace, swap in) a link; at most one exact match per entity, never to our own
    IRIs (the object is always a Wikidata item). The file keeps the comment block it starts with."""
    if not QID.match(link.qid):
        raise ValueError(f"not a Wikidata item id: {link.qid!r}")
    links = read_links(path, IriScheme(base_iri))
    clash = [old for old in links
             if old.entity == link.entity and (old.qid == link.qid or (link.match == "exact" == old.match))]
    if clash and not replace:
        raise ValueError(
            f"{link.entity} already has {clash[0].match} match {clash[0].qid}; use --replace to swap it"
        )
    links = [*(old for old in links if old not in clash), link]
    header = leading_comments(path.read_text(encoding="utf-8")) if path.is_file() else LINKS_HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_links(links, base_iri, header), encoding="utf-8")
    return links
