"""The article beside Wikidata, for the entity pages: what the article says about one of our
entities next to what Wikidata says about the item it is linked to.

Read with pyoxigraph from the served store, never re-parsed:

* the confirmed links are the kzm:Link resources of the links file (settings.links_path, loaded by the
  build like every data file): kzm:subject our entity, kzm:object the item, kzm:matchType,
  kzm:confidence;
* Wikidata's facts are the enrichment graph (`IriScheme.enrichment_graph`) that `ldpub link --enrich`
  writes to settings.enrichment_path, with its provenance (prov:generatedAtTime) in the default graph.

When the served store does not hold them (the build does not load data/enrichment/, and a store
may be served without the links file), each is loaded once from its file under the data folder.
The site only reads what the linker wrote: nothing here imports ldpub.linking (which imports this
module for the file names and the graph name) or rdflib.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ldpub import ns
from ldpub.iris import IriScheme
from ldpub.settings import Settings
from ldpub.site.source import Quads
from ldpub.store import load_store

if TYPE_CHECKING:  # the Site is only passed through: no import of the page model at run time
    from ldpub.site.model import Site


_ITEM = re.compile("^" + re.escape(ns.WD) + "(Q[1-9][0-9]*)$")
_ANY = None  # quads_for_pattern: any graph
_DEFAULT = ox.DefaultGraph()

log = logging.getLogger("ldpub.pages")


# --------------------------------------------------------------------------- where the data is


def _stored_or_loaded(site: Site, key: str, in_store: bool, path: Path) -> Quads | None:
    """The served store when it holds the data; else the file loaded once (None when absent)."""
    if in_store:
        return site.store
    return site.memoised((key, str(path)), lambda: load_store([path]) if path.is_file() else None)


def links_store(site: Site, settings: Settings) -> Quads | None:
    """Where the confirmed links are: the served store when it holds kzm:Link resources, else
    the links file of the data folder."""
    link_type = ox.NamedNode(site.iris.term("Link"))
    in_store = any(True for _ in site.store.quads_for_pattern(None, ns.RDF_TYPE, link_type, _DEFAULT))
    return _stored_or_loaded(site, "wikidata-links", in_store, settings.links_path)


def enrichment_store(site: Site, settings: Settings) -> Quads | None:
    """Where the enrichment graph is: the served store when it holds that graph, else the
    enrichment file of the data folder."""
    in_store = site.iris.enrichment_graph in site.graph_names
    return _stored_or_loaded(site, "wikidata-enrichment", in_store, settings.enrichment_path)


# --------------------------------------------------------------------------- reading


def _objects(store: Quads, subject: object, predicate: str, graph: Any = _ANY) -> list[Any]:
    if not isinstance(subject, (ox.NamedNode, ox.BlankNode)):
        return []
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph)]


def _first(store: Quads, subject: object, predicate: str, graph: Any = _ANY) -> Any:
    """One object (the least, so the answer does not depend on the store's order), or None."""
    objects = _objects(store, subject, predicate, graph)
    return min(objects, key=_value) if objects else None


def _value(term: object) -> str:
    """The lexical form of a literal, the IRI of a named node, the id of a blank node."""
    return getattr(term, "value", str(term))


def _tagged(term: object) -> str:
    """A literal as text@lang when it has a language, else its value."""
    lang = getattr(term, "language", None)
    return f"{_value(term)}@{lang}" if lang else _value(term)


def _date(term: object) -> str:
    """YYYY-MM-DD of a date or dateTime literal; '' for none."""
    return _value(term)[:10] if term is not None else ""


def _local(term: object) -> str:
    """The last path segment of an IRI: the QID of a Wikidata item."""
    return _value(term).rsplit("/", 1)[-1]


def entity_links(store: Quads, iris: IriScheme, entity: str) -> list[dict]:
    """The confirmed links of `entity` (kzm:Link resources of the default graph), as the page
    shows them: [{"qid", "iri", "match" (exact|close|related), "confidence"}], by match then QID."""
    link_type = ox.NamedNode(iris.term("Link"))
    rows = []
    for q in store.quads_for_pattern(None, ox.NamedNode(iris.term("subject")), ox.NamedNode(entity), _DEFAULT):
        node = q.subject
        if not any(True for _ in store.quads_for_pattern(node, ns.RDF_TYPE, link_type, _DEFAULT)):
            continue
        item = _first(store, node, iris.term("object"), _DEFAULT)
        match = _first(store, node, iris.term("matchType"), _DEFAULT)
        confidence = _first(store, node, iris.term("confidence"), _DEFAULT)
        found = _ITEM.match(_value(item)) if isinstance(item, ox.NamedNode) else None
        if found is None or not isinstance(match, ox.NamedNode) or not match.value.startswith(ns.SKOS):
            continue
        rows.append({"qid": found.group(1), "iri": item.value,
                     "match": match.value.removeprefix(ns.SKOS).removesuffix("Match"),
                     "confidence": _value(confidence) if confidence is not None else ""})
    return sorted(rows, key=lambda r: (r["match"], int(r["qid"][1:])))


# --------------------------------------------------------------------------- side by side


def article_beside_wikidata(article: Quads, wikidata: Quads, iris: IriScheme, entity: str,
                            links: list[dict]) -> dict:
    """What the article (every graph of `article`) says about `entity` beside what the enrichment
    graph of `wikidata` says about the items of `links` (as `entity_links` gives them).

    Returns {"entity", "label", "links": [{"qid", "iri", "match", "confidence"}], "retrieved",
    "rows": [{"aspect", "article": [str], "wikidata": [str]}],
    "article_statements": [{"predicate", "value", "graph"}]}; a "graph" of None is the default graph.
    """
    e = ox.NamedNode(entity)
    graph = ox.NamedNode(iris.enrichment_graph)
    items = [ox.NamedNode(link["iri"]) for link in links]
    label_predicates = (ns.RDFS + "label", ns.SCHEMA + "name", iris.term("name"))

    def label(store: Quads, node: object, where: object = _ANY) -> str:
        for predicate in label_predicates:
            texts = [o.value for o in _objects(store, node, predicate, where)
                     if isinstance(o, ox.Literal) and o.language in (None, "en")]
            if texts:
                return min(texts)
        return _local(node) if _value(node).startswith(ns.WD) else _value(node)

    def ours(node: object) -> str:
        return label(article, node)

    def theirs(node: object) -> str:
        return label(wikidata, node, graph)

    def wd_values(pid: str) -> list[str]:
        return sorted(f"{theirs(o)} ({_local(o)})" for i in items for o in _objects(wikidata, i, ns.WDT + pid, graph))

    def wd_text(predicate: str) -> list[str]:
        return sorted(_tagged(o) for i in items for o in _objects(wikidata, i, predicate, graph))

    positions = []
    for i in items:
        for st in _objects(wikidata, i, ns.WIKIDATA_P + "P39", graph):
            pos = _first(wikidata, st, ns.WIKIDATA_PS + "P39", graph)
            if pos is None:
                continue
            start = _date(_first(wikidata, st, ns.WIKIDATA_PQ + "P580", graph)) or "?"
            end = _date(_first(wikidata, st, ns.WIKIDATA_PQ + "P582", graph)) or "now"
            positions.append(f"{theirs(pos)} ({_local(pos)}), {start} – {end}")

    about = list(article.quads_for_pattern(e, None, None, _ANY))

    def in_graph(text: str, g: object) -> str:
        return text if isinstance(g, ox.DefaultGraph) else f"{text} (claim {_value(g)})"

    # Posts (<ids>post/…) that share a subject with the entity inside a claim graph.
    posts = iris.id("post/")
    held = set()
    for q in article.quads_for_pattern(None, None, e, _ANY):
        if isinstance(q.graph_name, ox.DefaultGraph):
            continue
        for q2 in article.quads_for_pattern(q.subject, None, None, q.graph_name):
            post = q2.object
            if isinstance(post, ox.NamedNode) and post.value.startswith(posts) and post != e:
                held.add(in_graph(ours(post), q.graph_name))

    names = {_tagged(o) for p in (iris.term("name"), iris.term("altName"), ns.RDFS + "label", ns.SCHEMA + "name")
             for o in _objects(article, e, p)}

    def said(*words: str) -> list[str]:  # article statements whose predicate name has one of the words
        return sorted({in_graph(ours(q.object), q.graph_name) for q in about
                       if any(w in _local_name(q.predicate.value).casefold() for w in words)})

    statements = sorted(
        ({"predicate": q.predicate.value, "value": _value(q.object),
          "graph": None if isinstance(q.graph_name, ox.DefaultGraph) else _value(q.graph_name)} for q in about),
        key=lambda r: (r["graph"] or "", r["predicate"], r["value"]),
    )
    retrieved = _first(wikidata, graph, ns.PROV + "generatedAtTime", _DEFAULT)
    return {
        "entity": entity,
        "label": ours(e),
        "links": [{"qid": link["qid"], "iri": link["iri"], "match": link["match"],
                   "confidence": link["confidence"]} for link in links],
        "retrieved": _value(retrieved) if retrieved is not None else None,
        "rows": [
            {"aspect": "name", "article": sorted(names), "wikidata": wd_text(ns.RDFS + "label")},
            {"aspect": "description", "article": _distinct_values(_objects(article, e, ns.RDFS + "comment")),
             "wikidata": wd_text(ns.SCHEMA_HTTP + "description")},
            {"aspect": "instance of", "article": sorted(ours(o) for o in set(_objects(article, e, ns.RDF + "type"))),
             "wikidata": wd_values("P31")},
            {"aspect": "position held", "article": sorted(held), "wikidata": sorted(positions)},
            {"aspect": "country", "article": said("country"), "wikidata": wd_values("P17") + wd_values("P27")},
            {"aspect": "located in", "article": said("locatedin", "within", "partof"), "wikidata": wd_values("P131")},
        ],
        "article_statements": statements,
    }


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _distinct_values(terms: Iterable) -> list[str]:
    """The values of distinct terms (a triple in two graphs counts once), sorted."""
    return sorted(_value(t) for t in set(terms))


def wikidata_comparison(site: Site, iri: str, settings: Settings) -> dict | None:
    """The article beside Wikidata for the entity page of `iri`, or None when the entity has no
    confirmed link or no enrichment graph has been fetched. A links or enrichment file that
    cannot be read hides the panel (logged): an optional panel never breaks the page."""
    try:
        store = links_store(site, settings)
        links = entity_links(store, site.iris, iri) if store is not None else []
        if not links:
            return None
        wikidata = enrichment_store(site, settings)
        if wikidata is None:
            return None
        return article_beside_wikidata(site.store, wikidata, site.iris, iri, links)
    except (OSError, SyntaxError, ValueError):
        log.exception("article-vs-Wikidata panel for %s", iri)
        return None
