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
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from ldpub.iris import IriScheme
from ldpub.ns import DCTERMS, FOAF, OA, OWL, RDF, RDFS, SCHEMA, SKOS, WELL_KNOWN, XSD
from ldpub.settings import Settings, confined_path
from ldpub.site.text import local_name, natural_key, split_sentences, status_slug
from ldpub.store import load_store

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
    """The served dataset seen through the base IRI. Build once per Store; everything is cached."""

    def __init__(self, store: ox.Store, base_iri: str, root: Path | None = None,
                 extra_stores: Iterable[ox.Store] = (), modified: float | None = None) -> None:
        self.store = store
        self.iris = IriScheme(base_iri)
        self.base = base_iri
        self.root = root or Path.cwd()
        self.modified = modified  # mtime of the served files: Last-Modified of every page
        # Shapes (and anything else not loaded in the served store) for /shapes.
        self.extra_stores = [s for s in extra_stores if s is not store]
        # Lazily built values (views, RDF bodies, the Wikidata panel). The data never
        # changes while serving, so a value is kept for the process's life. Page routes run in
        # the thread pool: two threads may build the same value (harmless), and each value is
        # complete before the one dict assignment makes it visible.
        self.memo: dict[Hashable, object] = {}

    @classmethod
    def for_files(cls, store: ox.Store, files: Iterable[Path], settings: Settings) -> Site:
        """The Site of a served store loaded from `files`, with the companion files that sit
        beside them (the shapes and VoID of a built dist/, for /shapes and the statistics)."""
        files = list(files)
        extras = [load_store([folder / name]) for folder in dict.fromkeys(f.parent for f in files)
                  for name in COMPANION_FILES if (folder / name).is_file() and folder / name not in files]
        mtimes = [f.stat().st_mtime for f in files if f.is_file()]
        return cls(store, settings.base_iri, settings.root, extras, max(mtimes) if mtimes else None)

    def memoised(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept under `key`, built on first use."""
        try:
            return self.memo[key]  # type: ignore[return-value]
        except KeyError:
            value = self.memo[key] = build()
            return value

    # ------------------------------------------------------------ basics
    def quads(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> Iterable[ox.Quad]:
        """Quads matching a pattern in the served store and the companion stores, each once."""
        if not self.extra_stores:
            yield from self.store.quads_for_pattern(s, p, o, g)
            return
        seen: set[ox.Quad] = set()
        for store in (self.store, *self.extra_stores):
            for quad in store.quads_for_pattern(s, p, o, g):
                if quad not in seen:
                    seen.add(quad)
                    yield quad

    def default(self, s: Any = None, p: Any = None, o: Any = None) -> list[ox.Quad]:
        """Quads of the default graph: what the dataset asserts, not what a claim says."""
        return list(self.quads(s, p, o, ox.DefaultGraph()))

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

    def objects(self, iri: str, predicate: str, graph: ox.DefaultGraph | ox.NamedNode | None = DEFAULT_GRAPH) -> list:
        return [q.object for q in self.quads(ox.NamedNode(iri), ox.NamedNode(predicate), None, graph)]

    def comment(self, iri: str, graph: ox.DefaultGraph | ox.NamedNode | None = DEFAULT_GRAPH) -> str:
        """The first comment-like literal (rdfs:comment, skos:definition …) of an IRI, else ""."""
        for p in COMMENT_PREDICATES:
            for o in self.objects(iri, p, graph):
                if isinstance(o, ox.Literal):
                    return o.value
        return ""

    @cached_property
    def graph_names(self) -> set[str]:
        return {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}

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

    @cached_property
    def _labels(self) -> dict[str, dict[str, list[tuple[tuple, str]]]]:
        """iri -> kind -> [(rank, text)], over every graph (the default graph ranks first)."""
        table: dict[str, dict[str, list[tuple[tuple, str]]]] = defaultdict(lambda: defaultdict(list))
        for kind, preds in self.label_predicates.items():
            for p_rank, pred in enumerate(preds):
                for q in self.quads(None, ox.NamedNode(pred), None, None):
                    if not isinstance(q.object, ox.Literal) or isinstance(q.subject, ox.Triple):
                        continue
                    lang = q.object.language or ""
                    lang_rank = 0 if lang in ("en", "") else (1 if lang.startswith("en") else 2)
                    in_default = 0 if isinstance(q.graph_name, ox.DefaultGraph) else 1
                    rank = (in_default, p_rank, lang_rank, q.object.value)
                    table[q.subject.value][kind].append((rank, q.object.value))
        return table

    def label(self, iri: str) -> str:
        entries = self._labels.get(iri, {}).get("label")
        if entries:
            return min(entries)[1]
        if iri.startswith(WIKIDATA):
            return "Wikidata " + local_name(iri)
        return local_name(iri)

    def title(self, fallback: str) -> str:
        """The dataset's title from the data (its label, e.g. dcterms:title), else `fallback`."""
        return self.label(self.iris.dataset) if self.has_label(self.iris.dataset) else fallback

    def has_label(self, iri: str) -> bool:
        return bool(self._labels.get(iri, {}).get("label"))

    def names(self, iri: str, kind: str, default_only: bool = False) -> list[str]:
        """Every distinct label of a kind ('label', 'alt', 'hidden') for an IRI; with default_only,
        only the names the dataset asserts (not those inside a claim's graph)."""
        entries = sorted(self._labels.get(iri, {}).get(kind, []))
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
        if iri in self.graph_names or iri in self._hash_subjects:
            return True
        node = ox.NamedNode(iri)
        for pattern in ((node, None, None, None), (None, None, node, None), (None, node, None, None)):
            for _ in self.quads(*pattern):
                return True
        return False

    @cached_property
    def _hash_subjects(self) -> dict[str, list[str]]:
        """document IRI -> the hash IRIs (doc#x) used as subjects in any store."""
        out: dict[str, set[str]] = defaultdict(set)
        for q in self.quads():
            if isinstance(q.subject, ox.NamedNode) and "#" in q.subject.value:
                out[self.iris.document(q.subject.value)].add(q.subject.value)
        return {doc: sorted(iris, key=natural_key) for doc, iris in out.items()}

    def hash_iris(self, doc: str) -> list[str]:
        return self._hash_subjects.get(doc, [])

    @cached_property
    def _subjects(self) -> list[str]:
        found = set(self.graph_names)
        for q in self.quads():
            if isinstance(q.subject, ox.NamedNode):
                found.add(term_value(q.subject))
        return sorted(i for i in found if self.is_ours(i))

    def subjects(self) -> list[str]:
        """Every IRI under the base used as a subject or graph name (sorted); the scan is made
        once per Site, not per request. Shared: callers must not change it."""
        return self._subjects

    def near_subjects(self, iri: str, count: int = 5, pool: int = 200) -> list[str]:
        """Up to `count` of our subject IRIs spelled like `iri`, for a 404's suggestions. Bounded
        work whatever the size of the data: difflib compares only the `pool` subjects that sort
        next to the IRI, and the ones sharing its last segment's prefix."""
        subjects = self._subjects
        at = bisect.bisect_left(subjects, iri)
        near = subjects[max(0, at - pool // 2):at + pool // 2]
        # Compared past the path they all share: the long common base made every pair look alike
        # (suggestions for a made-up name) and cost ten times as much.
        shared = os.path.commonprefix([iri, *near])  # noqa: RUF071 (characters, not path parts, on purpose)
        cut = max(shared.rfind("/"), shared.rfind("#")) + 1
        tails = {subject[cut:]: subject for subject in near}
        return [tails[tail] for tail in difflib.get_close_matches(iri[cut:], list(tails), n=count, cutoff=0.6)]


    # ------------------------------------------------------------ terms
    def term(self, node: Any, claims: list[ClaimRef] | None = None) -> Term:
        if isinstance(node, ox.NamedNode):
            iri = node.value
            return Term("iri", iri, self.label(iri), claims=claims or [],
                        claim=self.claim_ref(iri) if iri in self.claim_status else None,
                        curie=self.curie(iri))
        if isinstance(node, ox.Literal):
            dt = node.datatype.value if node.datatype else ""
            if dt in (XSD + "string", RDF + "langString"):
                dt = ""
            return Term("literal", node.value, node.value, node.language or "", dt,
                        claims=claims or [])
        return Term("bnode", str(node), str(node), claims=claims or [])

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
        """status IRI -> {label, definition, slug} for every status used or declared."""
        out: dict[str, dict] = {}
        used = {q.object.value for q in self.default(None, ox.NamedNode(self.iris.term("status")))
                if isinstance(q.object, ox.NamedNode)}
        declared = {term_value(q.subject) for q in self.default(None, ox.NamedNode(SKOS + "inScheme"),
                                                          ox.NamedNode(self.iris.statuses))}
        for iri in sorted(used | declared):
            label = self.label(iri) if self.has_label(iri) else local_name(iri).replace("-", " ")
            colours = [o.value for o in self.objects(iri, self.iris.term("statusColour"))
                       if isinstance(o, ox.Literal) and CSS_COLOUR.fullmatch(o.value)]
            out[iri] = {"iri": iri, "label": label, "definition": self.comment(iri),
                        "slug": status_slug(iri), "used": iri in used,
                        "colour": colours[0] if colours else None}
        return out

    @cached_property
    def claim_status(self) -> dict[str, str]:
        return {q.subject.value: q.object.value
                for q in self.default(None, ox.NamedNode(self.iris.term("status")))
                if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)}

    def is_claim(self, iri: str) -> bool:
        return iri in self.claim_status or iri in self.graph_names

    def claim_ref(self, iri: str) -> ClaimRef:
        status = self.claim_status.get(iri)
        info = self.statuses.get(status or "", {})
        return ClaimRef(iri, self.label(iri), status, info.get("label", "no status"),
                        status_slug(status))

    @cached_property
    def selectors(self) -> dict[str, Selector]:
        """claim IRI -> its position in its article, from its oa selectors and oa:hasSource."""
        out: dict[str, Selector] = {}
        evidence = ox.NamedNode(self.iris.term("evidence"))
        for q in self.default(None, evidence):
            claim, ev = term_value(q.subject), q.object
            start = end = None
            for sel in self.default(ev, ox.NamedNode(OA + "hasSelector")):
                for p in self.default(sel.object):
                    if p.predicate.value == OA + "start":
                        start = int_value(p.object)
                    elif p.predicate.value == OA + "end":
                        end = int_value(p.object)
            sources = sorted(term_value(s.object) for s in self.default(ev, ox.NamedNode(OA + "hasSource"))
                             if isinstance(s.object, ox.NamedNode))
            if start is not None and end is not None:
                out[claim] = Selector(start, end, sources[0] if sources else None)
        return out

    @cached_property
    def article_claims(self) -> dict[str, list[str]]:
        """article IRI -> its claims (those whose evidence names it), in natural order."""
        out: dict[str, list[str]] = defaultdict(list)
        for claim, sel in sorted(self.selectors.items(), key=lambda kv: natural_key(kv[0])):
            if sel.source is not None:
                out[sel.source].append(claim)
        return dict(out)

    def claim_article(self, claim: str) -> str | None:
        """The article a claim quotes (its evidence's oa:hasSource), else None."""
        sel = self.selectors.get(claim)
        return sel.source if sel else None

    def claims_about(self, iri: str) -> list[str]:
        """Claims whose assertion graph uses the IRI, or that say they mention it."""
        node = ox.NamedNode(iri)
        found = set()
        for pattern in ((node, None, None), (None, None, node), (None, node, None)):
            for q in self.quads(*pattern):
                if isinstance(q.graph_name, ox.NamedNode):
                    found.add(q.graph_name.value)
        for q in self.default(None, ox.NamedNode(self.iris.term("mentions")), node):
            found.add(term_value(q.subject))
        return sorted(found, key=natural_key)

    def supporting_claims(self, quad: ox.Quad) -> list[ClaimRef]:
        """Claims whose assertion graph holds this triple."""
        return [self.claim_ref(q.graph_name.value)
                for q in self.quads(quad.subject, quad.predicate, quad.object, None)
                if isinstance(q.graph_name, ox.NamedNode)]

    # ------------------------------------------------------------ the articles
    @cached_property
    def articles(self) -> dict[str, ArticleText]:
        """Every article (a node with kzm:textFile in the default graph), in natural IRI order, so
        <id/article> comes before <id/article/x>. Read once per Site."""
        text_file = self.iris.term("textFile")
        iris = sorted({term_value(q.subject) for q in self.default(None, ox.NamedNode(text_file))
                       if isinstance(q.subject, ox.NamedNode)}, key=natural_key)
        out = {}
        for iri in iris:
            text = self._read_article(iri)
            out[iri] = ArticleText(iri, text, split_sentences(text or ""))
        return out

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
        found = self.articles.get(iri or "")
        return found if found is not None and found.text is not None else None

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

    @cached_property
    def mention_index(self) -> tuple[re.Pattern | None, dict[str, str]]:
        """A regex over every label of every entity under the base, and label (folded) -> IRI."""
        skip_prefixes = (self.iris.ontology, self.iris.shapes, self.iris.claims, self.iris.statuses)
        skip = {*self.articles, self.iris.dataset}
        by_label: dict[str, str] = {}
        for iri in sorted(self._labels):
            if not self.is_ours(iri) or iri in skip or iri.startswith(skip_prefixes) or "#" in iri:
                continue
            if self.is_claim(iri):
                continue
            for kind in ("label", "alt", "hidden"):
                for raw in self.names(iri, kind):
                    name = raw.strip()
                    if len(name) < 2 or not re.search(r"\w", name):
                        continue
                    by_label.setdefault(name.casefold(), iri)
        if not by_label:
            return None, {}
        alternatives = sorted(by_label, key=lambda s: (-len(s), s))
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)",
                             re.IGNORECASE)
        return pattern, by_label

    def mentions(self, text: str, offset: int = 0) -> list[tuple[int, int, str]]:
        """(start, end, IRI) of entity mentions in text; short labels must match case exactly."""
        pattern, by_label = self.mention_index
        if pattern is None:
            return []
        out = []
        originals = self._original_case
        for m in pattern.finditer(text):
            key = m.group(0).casefold()
            iri = by_label.get(key)
            if iri is None:
                continue
            if len(key) <= 4 and m.group(0) not in originals.get(key, ()):
                continue
            out.append((m.start() + offset, m.end() + offset, iri))
        return out

    @cached_property
    def _original_case(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for kinds in self._labels.values():
            for entries in kinds.values():
                for _, name in entries:
                    out[name.strip().casefold()].add(name.strip())
        return out


def quad_key(q: ox.Quad) -> tuple:
    """Sort key of quads for display: by subject (c2 before c10), predicate, object."""
    return (natural_key(str(q.subject)), str(q.predicate), str(q.object))


# --------------------------------------------------------------------------- shared by the views


def wikidata_links(site: Site, iri: str) -> list[str]:
    return sorted({o.value for p in IDENTITY_PREDICATES for o in site.objects(iri, p)
                   if isinstance(o, ox.NamedNode) and o.value.startswith(WIKIDATA)})


