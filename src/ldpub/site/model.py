"""The site model: the served store seen through the base IRI, with what every page needs cached
(labels, claims and their statuses, the articles and their texts, the mention index). No HTTP and no page
layout here: `describe` makes the RDF of a document, `views/` the template contexts.

The data may be anything under the base IRI: claims, an article or an ontology are used when they
are there, and the pages degrade to plain property tables when they are not.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from ldpub.iris import IriScheme
from ldpub.ns import DCTERMS, FOAF, OA, OWL, RDF, RDFS, SCHEMA, SH, SKOS, VOID, WELL_KNOWN, XSD
from ldpub.settings import Settings, confined_path
from ldpub.site.source import CombinedSource, LocalSource, Lru, Source, subject_index
from ldpub.site.text import local_name, natural_key, split_sentences, status_slug
from ldpub.store import SubjectIndex, load_store

DEFAULT_GRAPH = ox.DefaultGraph()


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI, label or lexical form of a term (a quoted triple as its text)."""
    return str(term) if isinstance(term, ox.Triple) else term.value

T = TypeVar("T")
# Files that sit next to the served dataset and belong to its description, not its data.
COMPANION_FILES = ("shapes.ttl", "void.ttl")

TYPE = ox.NamedNode(RDF + "type")
LABEL_PREDICATES = (RDFS + "label", SKOS + "prefLabel", SCHEMA + "name", FOAF + "name",
                    DCTERMS + "title")
ALT_PREDICATES = (SKOS + "altLabel", SCHEMA + "alternateName")
HIDDEN_PREDICATES = (SKOS + "hiddenLabel",)
COMMENT_PREDICATES = (RDFS + "comment", SKOS + "definition", SCHEMA + "description",
                      DCTERMS + "description")
IDENTITY_PREDICATES = (SKOS + "exactMatch", SCHEMA + "sameAs", OWL + "sameAs")
# The only form of kzm:statusColour a stylesheet takes from the data (#rrggbb): the value is
# written into CSS, so anything else (a '}' or a url()) is ignored and the fallback colour used.
CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
ABOUT_SCAN = 32  # an IRI with fewer quads is read by one lookup and kept (Site.about)
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/",
            "https://www.wikidata.org/wiki/")


def int_value(term: object) -> int | None:
    """The integer a literal holds, else None."""
    try:
        return int(term.value)  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return None


def read_text_file(root: Path, name: str) -> str | None:
    """The text of a kzm:textFile inside the project root, or None. The name comes from the
    served data, so an absolute path or '..' that leaves the root (/etc/passwd) is refused:
    data must not publish arbitrary files from the server's disk."""
    path = confined_path(root, name)
    if path is None or not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------- what templates get


@dataclass
class ClaimRef:
    """A claim as a badge: its label and its epistemic status."""

    iri: str
    label: str
    status: str | None
    status_label: str
    slug: str  # CSS class suffix of the status: st-<slug>


@dataclass
class Term:
    """One RDF term ready for a template: a link (IRI) or a text (literal)."""

    kind: str  # "iri" | "literal" | "bnode"
    value: str
    label: str
    lang: str = ""
    datatype: str = ""
    claims: list[ClaimRef] = field(default_factory=list)  # claims that assert this value
    claim: ClaimRef | None = None  # set when the IRI is itself a claim
    curie: str = ""  # prefix:local for IRIs outside the base, else ""


@dataclass
class PropertyRow:
    predicate: str
    label: str
    values: list[Term]


@dataclass
class Statement:
    subject: Term
    predicate: Term
    object: Term


@dataclass
class Sentence:
    """A stretch of the article with the claim's quote marked: before / quote / after."""

    before: str
    quote: str
    after: str


@dataclass
class Selector:
    """Where a claim's quote sits in its article (oa:start, oa:end: character offsets into the text
    its evidence names with oa:hasSource)."""

    start: int
    end: int
    source: str | None = None  # the article IRI


@dataclass
class ArticleText:
    """One article of the dataset (a node with kzm:textFile): its text, if readable, cut at
    kzm:textEnd, and its sentences as (paragraph, start, end)."""

    iri: str
    text: str | None
    sentences: list[tuple[int, int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- the site


class Site:
    """The served dataset seen through the base IRI. Every page is made of bounded lookups through
    `source` (quads about an IRI, with an IRI as object, in a graph): nothing here scans the
    dataset. Whole-dataset facts come from the statistics computed at load (`graph_names`, `void`)
    and the subject index; per-IRI facts are kept in an LRU of `lookup_cache` entries, pages in
    one of `page_cache`."""

    def __init__(self, store: ox.Store | Source, base_iri: str, root: Path | None = None,
                 extra_stores: Iterable[ox.Store] = (), modified: float | None = None, *,
                 graph_names: Collection[str] | None = None, void: Iterable[ox.Quad] | None = None,
                 index: SubjectIndex | None = None, build_index: bool = True,
                 page_cache: int = Settings.page_cache, lookup_cache: int = Settings.lookup_cache,
                 page_size: int = Settings.page_size) -> None:
        self.source: Source = LocalSource(store, extra_stores) if isinstance(store, ox.Store) else store
        self.store = self.source  # quads_for_pattern, as a pyoxigraph Store has it (site/wikidata.py)
        self.iris = IriScheme(base_iri)
        self.base = base_iri
        self.root = root or Path.cwd()
        self.modified = modified  # mtime of the served files: Last-Modified of every page
        if graph_names is None:  # a Site over stores given directly (tests, tools): their graphs
            stores = [store, *extra_stores] if isinstance(store, ox.Store) else []
            graph_names = frozenset(g.value for st in stores for g in st.named_graphs()
                                    if isinstance(g, ox.NamedNode))
        self.graph_names = graph_names  # a set, or the store's own (store.StoreGraphs)
        self.void = list(void) if void is not None else None
        self._index = index
        self._build_index = build_index and index is None
        self.page_size = page_size
        # Views, RDF bodies, the Wikidata panel: the data never changes while serving, so a value
        # stays valid for the process's life; the LRU bounds how many are kept.
        self.memo = Lru(page_cache)
        self.lookups = Lru(lookup_cache)

    @classmethod
    def for_files(cls, store: ox.Store | Source, files: Iterable[Path], settings: Settings, **kwargs: Any) -> Site:
        """The Site of a served store loaded from `files`, with the companion files that sit
        beside them (the shapes and VoID of a built dist/, for /shapes and the statistics)."""
        files = list(files)
        extras = [load_store([folder / name]) for folder in dict.fromkeys(f.parent for f in files)
                  for name in COMPANION_FILES if (folder / name).is_file() and folder / name not in files]
        if not isinstance(store, ox.Store):  # remote: the companions sit beside, read locally
            store = CombinedSource(store, extras)
            extras = []
        mtimes = [f.stat().st_mtime for f in files if f.is_file()]
        return cls(store, settings.base_iri, settings.root, extras, max(mtimes) if mtimes else None,
                   page_cache=settings.page_cache, lookup_cache=settings.lookup_cache,
                   page_size=settings.page_size, **kwargs)

    def memoised(self, key: Hashable, build: Callable[[], T]) -> T:
        """The page value kept under `key`, built on a miss (bounded: see page_cache)."""
        return self.memo.memoised(key, build)

    def looked_up(self, key: Hashable, build: Callable[[], T]) -> T:
        """A per-IRI fact kept under `key` (bounded: see lookup_cache); None is wrapped so it is kept too."""
        return self.lookups.memoised(key, lambda: (build(),))[0]

    # ------------------------------------------------------------ basics
    def quads(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
              limit: int | None = None) -> Iterable[ox.Quad]:
        """Quads matching a pattern in the served store and the companion stores, each once."""
        return self.source.quads_for_pattern(s, p, o, g, limit=limit)

    def default(self, s: Any = None, p: Any = None, o: Any = None, limit: int | None = None) -> list[ox.Quad]:
        """Quads of the default graph: what the dataset asserts, not what a claim says."""
        return list(self.quads(s, p, o, ox.DefaultGraph(), limit))

    def has(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> bool:
        return any(True for _ in self.quads(s, p, o, g, limit=1))

    @cached_property
    def super_properties(self) -> dict[str, set[str]]:
        """Each property's strict super-properties, from the served ontology's rdfs:subPropertyOf."""
        direct: dict[str, set[str]] = {}
        for q in self.default(None, ox.NamedNode(RDFS + "subPropertyOf"), None):
            direct.setdefault(term_value(q.subject), set()).add(term_value(q.object))
        closure: dict[str, set[str]] = {}
        for prop in direct:
            seen, todo = set(), list(direct[prop])
            while todo:
                nxt = todo.pop()
                if nxt not in seen and nxt != prop:
                    seen.add(nxt)
                    todo.extend(direct.get(nxt, ()))
            closure[prop] = seen
        return closure

    def without_entailed(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        """Drop the super-property copies the build materialised, so a page shows each fact once,
        under its most specific property (the copies stay in the RDF for plain queries)."""
        quads = list(quads)
        entailed = {(q.subject, sup, q.object, q.graph_name)
                    for q in quads for sup in self.super_properties.get(q.predicate.value, ())}
        return [q for q in quads
                if (q.subject, q.predicate.value, q.object, q.graph_name) not in entailed]

    def about(self, iri: str) -> dict[str, list[ox.Quad]] | None:
        """The IRI's quads (any graph) by predicate, read by one lookup and kept, when it has fewer
        than ABOUT_SCAN (most IRIs: a page asks several things of each IRI it shows); else None."""
        def read() -> dict[str, list[ox.Quad]] | None:
            quads = list(self.quads(ox.NamedNode(iri), None, None, None, ABOUT_SCAN))
            if len(quads) >= ABOUT_SCAN:
                return None
            out: dict[str, list[ox.Quad]] = defaultdict(list)
            for q in quads:
                out[q.predicate.value].append(q)
            return dict(out)
        return self.looked_up(("about", iri), read)

    def objects(self, iri: str, predicate: str, graph: ox.DefaultGraph | ox.NamedNode | None = DEFAULT_GRAPH) -> list:
        """The objects, sorted: each store returns them in its own index order (memory, disk and a
        remote store differ), and a page must not depend on which store it reads."""
        about = self.about(iri)
        if about is None:
            found: Iterable[ox.Quad] = self.quads(ox.NamedNode(iri), ox.NamedNode(predicate), None, graph)
        else:
            found = [q for q in about.get(predicate, ()) if graph is None or q.graph_name == graph]
        return sorted((q.object for q in found), key=str)

    def comment(self, iri: str, graph: ox.DefaultGraph | ox.NamedNode | None = DEFAULT_GRAPH) -> str:
        """The first comment-like literal (rdfs:comment, skos:definition …) of an IRI, else ""."""
        for p in COMMENT_PREDICATES:
            for o in self.objects(iri, p, graph):
                if isinstance(o, ox.Literal):
                    return o.value
        return ""

    @cached_property
    def label_predicates(self) -> dict[str, tuple[str, ...]]:
        """Label-like predicates, including our own sub-properties of them (e.g. kzm:name)."""
        groups = {"label": LABEL_PREDICATES, "alt": ALT_PREDICATES, "hidden": HIDDEN_PREDICATES}
        out = {}
        for key, preds in groups.items():
            extra = [q.subject.value for p in preds
                     for q in self.quads(None, ox.NamedNode(RDFS + "subPropertyOf"), ox.NamedNode(p))
                     if isinstance(q.subject, ox.NamedNode)]
            out[key] = tuple(dict.fromkeys([*preds, *extra]))
        return out

    def _labels(self, iri: str) -> dict[str, list[tuple[tuple, str]]]:
        """kind -> [(rank, text)] of one IRI, over every graph (the default graph ranks first)."""
        return self.looked_up(("labels", iri), lambda: self._read_labels(iri))

    def _read_labels(self, iri: str) -> dict[str, list[tuple[tuple, str]]]:
        table: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
        node = ox.NamedNode(iri)
        by_predicate = self.about(iri)  # one lookup for most IRIs, else one per label predicate
        for kind, preds in self.label_predicates.items():
            for p_rank, pred in enumerate(preds):
                found = (by_predicate.get(pred, []) if by_predicate is not None
                         else self.quads(node, ox.NamedNode(pred), None, None))
                for q in found:
                    if not isinstance(q.object, ox.Literal):
                        continue
                    lang = q.object.language or ""
                    lang_rank = 0 if lang in ("en", "") else (1 if lang.startswith("en") else 2)
                    in_default = 0 if isinstance(q.graph_name, ox.DefaultGraph) else 1
                    table[kind].append(((in_default, p_rank, lang_rank, q.object.value), q.object.value))
        return dict(table)

    def label(self, iri: str) -> str:
        entries = self._labels(iri).get("label")
        if entries:
            return min(entries)[1]
        if iri.startswith(WIKIDATA):
            return "Wikidata " + local_name(iri)
        return local_name(iri)

    def title(self, fallback: str) -> str:
        """The dataset's title from the data (its label, e.g. dcterms:title), else `fallback`."""
        return self.label(self.iris.dataset) if self.has_label(self.iris.dataset) else fallback

    def has_label(self, iri: str) -> bool:
        return bool(self._labels(iri).get("label"))

    def names(self, iri: str, kind: str, default_only: bool = False) -> list[str]:
        """Every distinct label of a kind ('label', 'alt', 'hidden') for an IRI; with default_only,
        only the names the dataset asserts (not those inside a claim's graph)."""
        entries = sorted(self._labels(iri).get(kind, []))
        return list(dict.fromkeys(t for rank, t in entries if not (default_only and rank[0])))

    def alt_names(self, iri: str) -> list[str]:
        """The other names shown as "also called": asserted ones only. A name that rests on a claim
        (an editors' identification, an author's reading) stays with that claim."""
        main = self.label(iri)
        return [n for n in dict.fromkeys([*self.names(iri, "label", True), *self.names(iri, "alt", True)])
                if n != main]

    def is_ours(self, iri: str) -> bool:
        return self.iris.is_ours(iri)

    def exists(self, iri: str) -> bool:
        """An IRI is served when the data uses it anywhere (or uses one of its hash IRIs)."""
        return self.looked_up(("exists", iri), lambda: self._exists(iri))

    def _exists(self, iri: str) -> bool:
        if iri in self.graph_names:
            return True
        node = ox.NamedNode(iri)
        return (self.has(node) or self.has(None, None, node) or self.has(None, node)
                or bool(self.hash_iris(iri)))

    @cached_property
    def ontology_terms(self) -> list[str]:
        """The IRIs typed as classes, properties or shapes (a vocabulary: small whatever the data)."""
        kinds = (OWL + "Class", RDFS + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty",
                 OWL + "AnnotationProperty", RDF + "Property", SH + "NodeShape", SH + "PropertyShape")
        return sorted({q.subject.value for k in kinds for q in self.quads(None, TYPE, ox.NamedNode(k), None)
                       if isinstance(q.subject, ox.NamedNode)})

    def hash_iris(self, doc: str) -> list[str]:
        """The hash IRIs (doc#x) used as subjects: found from the document's own links (its evidence
        doc#evidence, that evidence's selector …) and the vocabulary's terms (/def#Claim); bounded by what the document links, never a scan."""
        return self.looked_up(("hash", doc), lambda: self._hash_iris(doc))

    def _hash_iris(self, doc: str) -> list[str]:
        prefix = doc + "#"
        node = ox.NamedNode(doc)
        todo = [q.object.value for q in self.quads(node, None, None, None, self.page_size * 10)
                if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)]
        at = bisect.bisect_left(self.ontology_terms, prefix)
        while at < len(self.ontology_terms) and self.ontology_terms[at].startswith(prefix):
            todo.append(self.ontology_terms[at])
            at += 1
        found: set[str] = set()
        seen: set[str] = set()
        while todo and len(seen) < self.page_size * 10:
            iri = todo.pop()
            if iri in seen:
                continue
            seen.add(iri)
            quads = list(self.quads(ox.NamedNode(iri), None, None, None, self.page_size * 10))
            if quads:
                found.add(iri)
            todo += [q.object.value for q in quads
                     if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)]
        return sorted(found, key=natural_key)

    @cached_property
    def subject_index(self) -> SubjectIndex | None:
        """Our subject IRIs, sorted (given at start; built here by one pass only for a Site made
        directly over stores)."""
        if self._index is None and self._build_index:
            return subject_index(self.source, self.base)
        return self._index

    def subject_page(self, after: str = "", count: int | None = None) -> list[str]:
        """The next `count` (page_size) of our subjects sorting after `after`."""
        index = self.subject_index
        return index.after(after, count or self.page_size) if index is not None else []

    def near_subjects(self, iri: str, count: int = 5, pool: int = 200) -> list[str]:
        """Up to `count` of our subject IRIs spelled like `iri`, for a 404's suggestions. Bounded
        work whatever the size of the data: difflib compares only the `pool` subjects that sort
        next to the IRI in the subject index (none without one)."""
        index = self.subject_index
        if index is None:
            return []
        near = index.near(iri, pool)
        # Compared past the path they all share: the long common base made every pair look alike
        # (suggestions for a made-up name) and cost ten times as much.
        shared = os.path.commonprefix([iri, *near])  # noqa: RUF071 (characters, not path parts, on purpose)
        cut = max(shared.rfind("/"), shared.rfind("#")) + 1
        tails = {subject[cut:]: subject for subject in near}
        return [tails[tail] for tail in difflib.get_close_matches(iri[cut:], list(tails), n=count, cutoff=0.6)]

    def usage(self, iri: str, is_class: bool) -> int:
        """How often the data uses a class (entities typed so) or a property (triples), from the
        VoID partitions of the statistics; counted by lookups only for a Site without them."""
        if self.void is not None:
            return self._void_usage.get((iri, is_class), 0)
        node = ox.NamedNode(iri)
        if is_class:
            return len({q.subject for q in self.quads(None, TYPE, node, None)})
        return len({(q.subject, q.object) for q in self.quads(None, node, None, None)})

    @cached_property
    def _void_usage(self) -> dict[tuple[str, bool], int]:
        quads = self.void or []
        values = {(q.subject, q.predicate.value): q.object for q in quads}
        out: dict[tuple[str, bool], int] = {}
        for q in quads:
            if q.predicate.value == VOID + "class":
                out[(term_value(q.object), True)] = int_value(values.get((q.subject, VOID + "entities"))) or 0
            elif q.predicate.value == VOID + "property":
                out[(term_value(q.object), False)] = int_value(values.get((q.subject, VOID + "triples"))) or 0
        return out

    # ------------------------------------------------------------ terms
    def term(self, node: Any, claims: list[ClaimRef] | None = None) -> Term:
        if isinstance(node, ox.NamedNode):
            label, claim, curie = self.iri_term(node.value)
            return Term("iri", node.value, label, claims=claims or [], claim=claim, curie=curie)
        if isinstance(node, ox.Literal):
            dt = node.datatype.value if node.datatype else ""
            if dt in (XSD + "string", RDF + "langString"):
                dt = ""
            return Term("literal", node.value, node.value, node.language or "", dt,
                        claims=claims or [])
        return Term("bnode", str(node), str(node), claims=claims or [])

    def iri_term(self, iri: str) -> tuple[str, ClaimRef | None, str]:
        """An IRI's label, its badge when it is a claim, and its CURIE, kept as one entry: a page
        shows the same IRIs many times (predicates, places, statuses)."""
        return self.looked_up(("term", iri), lambda: (
            self.label(iri), self.claim_ref(iri) if self.status_of(iri) else None, self.curie(iri)))

    def curie(self, iri: str) -> str:
        """prefix:local for well-known vocabularies (not for our own IRIs, which have labels)."""
        if self.is_ours(iri):
            return ""
        for prefix, ns in WELL_KNOWN.items():
            if iri.startswith(ns) and re.fullmatch(r"[\w.-]+", iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return ""

    def term_for_iri(self, iri: str) -> Term:
        return self.term(ox.NamedNode(iri))

    # ------------------------------------------------------------ claims
    @cached_property
    def statuses(self) -> dict[str, dict]:
        """status IRI -> {label, definition, slug} for every status of the scheme (<id/status>)."""
        declared = {term_value(q.subject) for q in self.default(None, ox.NamedNode(SKOS + "inScheme"),
                                                                ox.NamedNode(self.iris.statuses))}
        return {iri: self._status_info(iri) for iri in sorted(declared)}

    def status_info(self, iri: str) -> dict:
        """What the pages say of a status; also of one used but not in the scheme."""
        return self.statuses.get(iri) or self.looked_up(("status", iri), lambda: self._status_info(iri))

    def _status_info(self, iri: str) -> dict:
        label = self.label(iri) if self.has_label(iri) else local_name(iri).replace("-", " ")
        colours = [o.value for o in self.objects(iri, self.iris.term("statusColour"))
                   if isinstance(o, ox.Literal) and CSS_COLOUR.fullmatch(o.value)]
        used = self.has(None, ox.NamedNode(self.iris.term("status")), ox.NamedNode(iri), ox.DefaultGraph())
        return {"iri": iri, "label": label, "definition": self.comment(iri), "slug": status_slug(iri),
                "used": used, "colour": colours[0] if colours else None}

    def status_of(self, iri: str) -> str | None:
        """The claim's kzm:status (None: not a claim with a status)."""
        return self.looked_up(("status_of", iri), lambda: next(
            (o.value for o in self.objects(iri, self.iris.term("status")) if isinstance(o, ox.NamedNode)), None))

    def is_claim(self, iri: str) -> bool:
        return iri in self.graph_names or self.status_of(iri) is not None

    def claim_ref(self, iri: str) -> ClaimRef:
        status = self.status_of(iri)
        info = self.status_info(status) if status else {}
        return ClaimRef(iri, self.label(iri), status, info.get("label", "no status"),
                        status_slug(status))

    def selector(self, claim: str) -> Selector | None:
        """The claim's position in its article, from its oa selectors and oa:hasSource."""
        return self.looked_up(("selector", claim), lambda: self._selector(claim))

    def _selector(self, claim: str) -> Selector | None:
        start = end = None
        sources: list[str] = []
        # One lookup per evidence and per selector (the claim's own quads are kept by `about`).
        for ev in self.objects(claim, self.iris.term("evidence")):
            about_ev = self.default(ev)
            for sel in (q.object for q in about_ev if q.predicate.value == OA + "hasSelector"):
                for p in self.default(sel):
                    if p.predicate.value == OA + "start":
                        start = int_value(p.object)
                    elif p.predicate.value == OA + "end":
                        end = int_value(p.object)
            sources += [term_value(q.object) for q in about_ev
                        if q.predicate.value == OA + "hasSource" and isinstance(q.object, ox.NamedNode)]
        if start is None or end is None:
            return None
        return Selector(start, end, min(sources) if sources else None)

    def article_claims(self, article: str) -> list[str]:
        """The article's claims (those whose evidence names it), in natural order."""
        return self.looked_up(("article_claims", article), lambda: self._article_claims(article))

    def _article_claims(self, article: str) -> list[str]:
        evidence = ox.NamedNode(self.iris.term("evidence"))
        found = {term_value(c.subject)
                 for ev in self.default(None, ox.NamedNode(OA + "hasSource"), ox.NamedNode(article))
                 for c in self.default(None, evidence, ev.subject)}
        return sorted((c for c in found if (sel := self.selector(c)) is not None and sel.source == article),
                      key=natural_key)

    def claim_article(self, claim: str) -> str | None:
        """The article a claim quotes (its evidence's oa:hasSource), else None."""
        sel = self.selector(claim)
        return sel.source if sel else None

    def claims_about(self, iri: str, limit: int | None = None) -> list[str]:
        """Claims whose assertion graph uses the IRI, or that say they mention it (the first `limit`
        found of each kind: page_size × 10)."""
        limit = limit or self.page_size
        node = ox.NamedNode(iri)
        found = set()
        for s, p, o in ((node, None, None), (None, None, node), (None, node, None)):
            for q in self.quads(s, p, o, None, limit):
                if isinstance(q.graph_name, ox.NamedNode):
                    found.add(q.graph_name.value)
        for q in self.default(None, ox.NamedNode(self.iris.term("mentions")), node, limit):
            found.add(term_value(q.subject))
        return sorted(found, key=natural_key)

    def supporting_claims(self, quad: ox.Quad) -> list[ClaimRef]:
        """Claims whose assertion graph holds this triple."""
        return [self.claim_ref(q.graph_name.value)
                for q in self.quads(quad.subject, quad.predicate, quad.object, None, self.page_size)
                if isinstance(q.graph_name, ox.NamedNode)]

    # ------------------------------------------------------------ the articles
    @cached_property
    def articles(self) -> list[str]:
        """Every article (a node with kzm:textFile in the default graph), in natural IRI order, so
        <id/article> comes before <id/article/x>. A lookup of one predicate: as many as articles."""
        text_file = self.iris.term("textFile")
        return sorted({term_value(q.subject) for q in self.default(None, ox.NamedNode(text_file))
                       if isinstance(q.subject, ox.NamedNode)}, key=natural_key)

    @cached_property
    def article_order(self) -> dict[str, int]:
        """Each article's place in `articles`."""
        return {iri: i for i, iri in enumerate(self.articles)}

    def article_text(self, iri: str) -> ArticleText:
        """The article's text (None when unreadable) and its sentences, read on first use."""
        def read() -> ArticleText:
            text = self._read_article(iri)
            return ArticleText(iri, text, split_sentences(text or ""))
        return self.looked_up(("article", iri), read)

    def _read_article(self, iri: str) -> str | None:
        for o in self.objects(iri, self.iris.term("textFile")):
            text = read_text_file(self.root, o.value)
            if text is not None:
                # Only the work itself: what follows kzm:textEnd is the page's furniture.
                ends = [int_value(e) for e in self.objects(iri, self.iris.term("textEnd"))]
                return text[:ends[0]] if ends and ends[0] is not None else text
        return None

    def article(self, iri: str | None) -> ArticleText | None:
        """The article with this IRI when it has a readable text, else None."""
        if iri is None or iri not in self.article_order:  # the articles are kept: no lookup per claim
            return None
        found = self.article_text(iri)
        return found if found.text is not None else None

    def sentence_for(self, sel: Selector) -> Sentence | None:
        """The quote of a selector in its own article's sentences; None when the selector names no
        readable article or runs past its text (never another article's text)."""
        article = self.article(sel.source)
        if article is None or article.text is None or not (0 <= sel.start <= sel.end <= len(article.text)):
            return None
        text = article.text
        spans = [(s, e) for _, s, e in article.sentences if s < max(sel.end, sel.start + 1) and e > sel.start]
        start = min([s for s, _ in spans], default=sel.start)
        end = max([e for _, e in spans], default=sel.end)
        return Sentence(text[start:sel.start], text[sel.start:sel.end], text[sel.end:end])

    def mention_index(self, article: str) -> tuple[re.Pattern | None, dict[str, str], dict[str, set[str]]]:
        """For one article: a regex over every label of the entities it may name, label (folded) ->
        IRI, and each folded label's spellings. The entities are those its claims mention
        (kzm:mentions) and those the article links to: bounded by the article, not the dataset."""
        return self.looked_up(("mentions", article), lambda: self._mention_index(article))

    def _mention_index(self, article: str) -> tuple[re.Pattern | None, dict[str, str], dict[str, set[str]]]:
        mentions = ox.NamedNode(self.iris.term("mentions"))
        candidates = {term_value(q.object) for c in self.article_claims(article)
                      for q in self.default(ox.NamedNode(c), mentions)}
        candidates |= {term_value(q.object) for q in self.quads(ox.NamedNode(article), None, None, None,
                                                                self.page_size * 10)}
        skip_prefixes = (self.iris.ontology, self.iris.shapes, self.iris.claims, self.iris.statuses)
        skip = {*self.articles, self.iris.dataset}
        by_label: dict[str, str] = {}
        originals: dict[str, set[str]] = defaultdict(set)
        for iri in sorted(candidates):
            if not self.is_ours(iri) or iri in skip or iri.startswith(skip_prefixes) or "#" in iri:
                continue
            if self.is_claim(iri):
                continue
            for kind in ("label", "alt", "hidden"):
                for raw in self.names(iri, kind):
                    name = raw.strip()
                    originals[name.casefold()].add(name)
                    if len(name) < 2 or not re.search(r"\w", name):
                        continue
                    by_label.setdefault(name.casefold(), iri)
        if not by_label:
            return None, {}, {}
        alternatives = sorted(by_label, key=lambda s: (-len(s), s))
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)",
                             re.IGNORECASE)
        return pattern, by_label, dict(originals)

    def mentions(self, article: str, text: str, offset: int = 0) -> list[tuple[int, int, str]]:
        """(start, end, IRI) of entity mentions in text; short labels must match case exactly."""
        pattern, by_label, originals = self.mention_index(article)
        if pattern is None:
            return []
        out = []
        for m in pattern.finditer(text):
            key = m.group(0).casefold()
            iri = by_label.get(key)
            if iri is None:
                continue
            if len(key) <= 4 and m.group(0) not in originals.get(key, ()):
                continue
            out.append((m.start() + offset, m.end() + offset, iri))
        return out


def quad_key(q: ox.Quad) -> tuple:
    """Sort key of quads for display: by subject (c2 before c10), predicate, object."""
    return (natural_key(str(q.subject)), str(q.predicate), str(q.object))


# --------------------------------------------------------------------------- shared by the views


def wikidata_links(site: Site, iri: str) -> list[str]:
    return sorted({o.value for p in IDENTITY_PREDICATES for o in site.objects(iri, p)
                   if isinstance(o, ox.NamedNode) and o.value.startswith(WIKIDATA)})


