"""What the linked-data pages show, as plain functions over a pyoxigraph Store (no HTTP here).

* `Site` wraps the served Store with the canonical base IRI and caches what every page needs
  (labels, the article text, the mention index).
* `describe()` is the RDF of a document: the concise bounded description of its IRI and of its
  hash IRIs (`…/c01#quote`), plus the labels of what it links to and the claims that mention it.
* `entity_view()`, `ontology_view()`, `article_view()`, `landing_view()` build the template contexts.

The data may be anything under the base IRI: claims, an article or an ontology are used when they
are there, and the pages degrade to plain property tables when they are not.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ldpub.iris import IriScheme
from ldpub.ns import (
    DCTERMS,
    FOAF,
    OA,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    VOID,
    WELL_KNOWN,
    XSD,
)
from ldpub.settings import Settings, confined_path
from ldpub.store import load_store

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
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/",
            "https://www.wikidata.org/wiki/")
CLASS_TYPES = (OWL + "Class", RDFS + "Class")
PROPERTY_TYPES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                  RDF + "Property")
ALIGNMENTS = (RDFS + "subClassOf", RDFS + "subPropertyOf", OWL + "equivalentClass",
              OWL + "equivalentProperty", OWL + "inverseOf", SKOS + "exactMatch",
              SKOS + "closeMatch", RDFS + "domain", RDFS + "range")


def local_name(iri: str) -> str:
    """The readable end of an IRI: after '#', else after the last '/'."""
    tail = iri.rstrip("/#")
    for sep in ("#", "/", ":"):
        if sep in tail:
            tail = tail.rsplit(sep, 1)[1]
            break
    return tail or iri


def _int(term: object) -> int | None:
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


def status_slug(iri: str | None) -> str:
    return re.sub(r"[^a-z0-9-]", "", local_name(iri).lower()) if iri else "none"


# --------------------------------------------------------------------------- view models

@dataclass
class Term:
    """One RDF term ready for a template: a link (IRI) or a text (literal)."""

    kind: str  # "iri" | "literal" | "bnode"
    value: str
    label: str
    lang: str = ""
    datatype: str = ""
    claims: list["ClaimRef"] = field(default_factory=list)
    claim: "ClaimRef | None" = None  # set when the IRI is itself a claim
    curie: str = ""  # prefix:local for IRIs outside the base, else ""


@dataclass
class ClaimRef:
    iri: str
    label: str
    status: str | None
    status_label: str
    slug: str


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
class ClaimView:
    ref: ClaimRef
    attributed_to: list[Term]
    sources: list[Term]
    statements: list[Statement]
    sentence: Sentence | None
    start: int | None = None
    end: int | None = None


@dataclass
class Selector:
    claim: str
    start: int
    end: int
    exact: str


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
        # Lazily built values (views, RDF bodies, the rdflib copy for enrichment). The data never
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
        try:
            return self.memo[key]  # type: ignore[return-value]
        except KeyError:
            value = self.memo[key] = build()
            return value

    # ------------------------------------------------------------ basics
    def kzm(self, name: str) -> str:
        return self.iris.term(name)

    def stores(self) -> list[ox.Store]:
        return [self.store, *self.extra_stores]

    def quads(self, s=None, p=None, o=None, g=None) -> Iterable[ox.Quad]:
        seen: set = set()
        for store in self.stores():
            for quad in store.quads_for_pattern(s, p, o, g):
                if len(self.stores()) == 1 or quad not in seen:
                    seen.add(quad)
                    yield quad

    def default(self, s=None, p=None, o=None) -> list[ox.Quad]:
        return list(self.quads(s, p, o, ox.DefaultGraph()))

    @cached_property
    def super_properties(self) -> dict[str, set[str]]:
        """Each property's strict super-properties, from the served ontology's rdfs:subPropertyOf."""
        direct: dict[str, set[str]] = {}
        for q in self.default(None, ox.NamedNode(RDFS + "subPropertyOf"), None):
            direct.setdefault(q.subject.value, set()).add(q.object.value)
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

    def objects(self, iri: str, predicate: str, graph=ox.DefaultGraph()) -> list:
        return [q.object for q in self.quads(ox.NamedNode(iri), ox.NamedNode(predicate), None, graph)]

    @cached_property
    def graph_names(self) -> set[str]:
        return {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}

    @cached_property
    def _label_predicates(self) -> dict[str, tuple[str, ...]]:
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
        for kind, preds in self._label_predicates.items():
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

    def has_label(self, iri: str) -> bool:
        return bool(self._labels.get(iri, {}).get("label"))

    def names(self, iri: str, kind: str) -> list[str]:
        """Every distinct label of a kind ('label', 'alt', 'hidden') for an IRI."""
        return list(dict.fromkeys(t for _, t in sorted(self._labels.get(iri, {}).get(kind, []))))

    def alt_names(self, iri: str) -> list[str]:
        main = self.label(iri)
        return [n for n in dict.fromkeys([*self.names(iri, "label"), *self.names(iri, "alt")])
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
        return {doc: sorted(iris, key=_natural) for doc, iris in out.items()}

    def hash_iris(self, doc: str) -> list[str]:
        return self._hash_subjects.get(doc, [])

    def subjects(self) -> list[str]:
        """Every IRI under the base used as a subject or graph name (sorted)."""
        found = set(self.graph_names)
        for q in self.quads():
            if isinstance(q.subject, ox.NamedNode):
                found.add(q.subject.value)
        return sorted(i for i in found if self.is_ours(i))

    def iri_of_path(self, path: str) -> str:
        return self.base + path.lstrip("/")

    # ------------------------------------------------------------ terms
    def term(self, node, claims: list[ClaimRef] | None = None) -> Term:
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
        used = {q.object.value for q in self.default(None, ox.NamedNode(self.kzm("status")))
                if isinstance(q.object, ox.NamedNode)}
        declared = {q.subject.value for q in self.default(None, ox.NamedNode(SKOS + "inScheme"),
                                                          ox.NamedNode(self.iris.statuses))}
        for iri in sorted(used | declared):
            definition = next((o.value for p in COMMENT_PREDICATES
                               for o in self.objects(iri, p) if isinstance(o, ox.Literal)), "")
            label = self.label(iri) if self.has_label(iri) else local_name(iri).replace("-", " ")
            out[iri] = {"iri": iri, "label": label, "definition": definition,
                        "slug": status_slug(iri), "used": iri in used}
        return out

    @cached_property
    def claim_status(self) -> dict[str, str]:
        return {q.subject.value: q.object.value
                for q in self.default(None, ox.NamedNode(self.kzm("status")))
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
        """claim IRI -> its position (and quote) in the article, from its oa selectors."""
        out: dict[str, Selector] = {}
        evidence = ox.NamedNode(self.kzm("evidence"))
        for q in self.default(None, evidence):
            claim, ev = q.subject.value, q.object
            start = end = None
            exact = ""
            for sel in self.default(ev, ox.NamedNode(OA + "hasSelector")):
                for p in self.default(sel.object):
                    if p.predicate.value == OA + "start":
                        start = _int(p.object)
                    elif p.predicate.value == OA + "end":
                        end = _int(p.object)
                    elif p.predicate.value == OA + "exact":
                        exact = p.object.value
            if start is not None and end is not None:
                out[claim] = Selector(claim, start, end, exact)
        return out

    def claims_about(self, iri: str) -> list[str]:
        """Claims whose assertion graph uses the IRI, or that say they mention it."""
        node = ox.NamedNode(iri)
        found = set()
        for pattern in ((node, None, None), (None, None, node), (None, node, None)):
            for q in self.quads(*pattern, None):
                if isinstance(q.graph_name, ox.NamedNode):
                    found.add(q.graph_name.value)
        for q in self.default(None, ox.NamedNode(self.kzm("mentions")), node):
            found.add(q.subject.value)
        return sorted(found, key=_natural)

    def supporting_claims(self, quad: ox.Quad) -> list[ClaimRef]:
        """Claims whose assertion graph holds this triple."""
        return [self.claim_ref(q.graph_name.value)
                for q in self.quads(quad.subject, quad.predicate, quad.object, None)
                if isinstance(q.graph_name, ox.NamedNode)]

    def claim_view(self, claim: str) -> ClaimView:
        node = ox.NamedNode(claim)
        statements = [Statement(self.term(q.subject), self.term(q.predicate), self.term(q.object))
                      for q in sorted(self.without_entailed(self.quads(None, None, None, node)),
                                      key=_quad_key)]
        sel = self.selectors.get(claim)
        return ClaimView(
            ref=self.claim_ref(claim),
            attributed_to=[self.term(o) for o in self.objects(claim, PROV + "wasAttributedTo")],
            sources=[self.term(o) for o in self.objects(claim, self.kzm("source"))],
            statements=statements,
            sentence=self.sentence_for(sel) if sel else None,
            start=sel.start if sel else None,
            end=sel.end if sel else None,
        )

    # ------------------------------------------------------------ the article
    @cached_property
    def article_iri(self) -> str | None:
        hits = self.default(None, ox.NamedNode(self.kzm("textFile")))
        if hits:
            return hits[0].subject.value
        candidate = self.iris.article
        return candidate if self.exists(candidate) else None

    @cached_property
    def article_text(self) -> str | None:
        if not self.article_iri:
            return None
        for o in self.objects(self.article_iri, self.kzm("textFile")):
            text = read_text_file(self.root, o.value)
            if text is not None:
                return text
        return None

    @cached_property
    def sentences(self) -> list[tuple[int, int, int]]:
        """(paragraph, start, end) of every sentence of the article."""
        return split_sentences(self.article_text or "")

    def sentence_for(self, sel: Selector) -> Sentence | None:
        text = self.article_text
        if not text or not (0 <= sel.start <= sel.end <= len(text)):
            return None
        spans = [(s, e) for _, s, e in self.sentences if s < max(sel.end, sel.start + 1) and e > sel.start]
        start = min([s for s, _ in spans], default=sel.start)
        end = max([e for _, e in spans], default=sel.end)
        return Sentence(text[start:sel.start], text[sel.start:sel.end], text[sel.end:end])

    @cached_property
    def mention_index(self) -> tuple[re.Pattern | None, dict[str, str]]:
        """A regex over every label of every entity under the base, and label (folded) -> IRI."""
        skip_prefixes = (self.iris.ontology, self.iris.shapes, self.iris.claims, self.iris.statuses)
        skip = {self.article_iri, self.iris.dataset}
        by_label: dict[str, str] = {}
        for iri in sorted(self._labels):
            if not self.is_ours(iri) or iri in skip or iri.startswith(skip_prefixes) or "#" in iri:
                continue
            if self.is_claim(iri):
                continue
            for kind in ("label", "alt", "hidden"):
                for name in self.names(iri, kind):
                    name = name.strip()
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
        for iri, kinds in self._labels.items():
            for entries in kinds.values():
                for _, name in entries:
                    out[name.strip().casefold()].add(name.strip())
        return out


def _natural(s: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]


def _quad_key(q: ox.Quad) -> tuple:
    return (_natural(str(q.subject)), str(q.predicate), str(q.object))


# --------------------------------------------------------------------------- sentences

_INITIAL = re.compile(r"(?:^|[\s(“\"])(?:[A-Z]|[A-Z][a-z]?\.[A-Z]|Mr|Mrs|Dr|St|No|vs|etc|e\.g|i\.e)\.$")


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """(paragraph number, start, end) of each sentence; paragraphs are separated by blank lines
    (paragraph 0 is the title line). A full stop after a single capital ("K. Masimov") does not end
    a sentence."""
    out: list[tuple[int, int, int]] = []
    para = -1
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        para += 1
        p_start, chunk = m.start(), m.group(0)
        s = 0
        for end_m in re.finditer(r"[.!?…]+[\"”’)\]]*(?=\s+|$)", chunk):
            e = end_m.end()
            if _INITIAL.search(chunk[max(0, end_m.start() - 6):end_m.end()].rstrip("\"”’)]")):
                continue
            nxt = chunk[e:].lstrip()
            if nxt and not (nxt[0].isupper() or nxt[0] in "“\"'(‘[" or nxt[0].isdigit()):
                continue
            _append_sentence(out, para, p_start, chunk, s, e)
            s = e
        _append_sentence(out, para, p_start, chunk, s, len(chunk))
    return out


def _append_sentence(out, para, p_start, chunk, s, e) -> None:
    while s < e and chunk[s].isspace():
        s += 1
    if s < e:
        out.append((para, p_start + s, p_start + e))


# --------------------------------------------------------------------------- descriptions


def describe(site: Site, doc: str) -> list[ox.Quad]:
    """The RDF of a document IRI: concise bounded description of the IRI and its hash IRIs, with
    the labels of the IRIs it links to, and the claims that mention it (their default-graph
    description: label, status). Quads in named graphs keep their graph: for a claim, its whole
    assertion graph; for an entity, the claim-graph triples whose subject it is."""
    subjects = [doc] + site.hash_iris(doc)
    out: dict[ox.Quad, None] = {}

    def add_cbd(node, graph) -> None:
        todo, seen = [node], set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            for q in site.quads(n, None, None, graph):
                out[q] = None
                if isinstance(q.object, ox.BlankNode):
                    todo.append(q.object)

    for s in subjects:
        add_cbd(ox.NamedNode(s), ox.DefaultGraph())
        for q in site.quads(ox.NamedNode(s), None, None, None):
            if isinstance(q.graph_name, ox.NamedNode):
                out[q] = None
    if doc in site.graph_names:
        for q in site.quads(None, None, None, ox.NamedNode(doc)):
            out[q] = None
    claims = [c for c in site.claims_about(doc) if c != doc]
    for c in claims:
        cn = ox.NamedNode(c)
        mentions = ox.Quad(cn, ox.NamedNode(site.kzm("mentions")), ox.NamedNode(doc))
        if mentions in site.store:
            out[mentions] = None
        for pred in (site.kzm("status"), *LABEL_PREDICATES[:1]):
            for q in site.default(cn, ox.NamedNode(pred)):
                out[q] = None
    # labels of everything linked from the description (types, objects, status, claims)
    linked = {q.object.value for q in list(out) if isinstance(q.object, ox.NamedNode)}
    linked |= {q.predicate.value for q in list(out)}
    for iri in sorted(linked - set(subjects)):
        for pred in LABEL_PREDICATES[:1] + LABEL_PREDICATES[1:]:
            hits = site.default(ox.NamedNode(iri), ox.NamedNode(pred))
            if hits:
                out[hits[0]] = None
                break
    return list(out)


def property_rows(site: Site, iri: str, graph=ox.DefaultGraph(),
                  skip: Iterable[str] = ()) -> list[PropertyRow]:
    rows: dict[str, PropertyRow] = {}
    skip = set(skip)
    for q in sorted(site.without_entailed(site.quads(ox.NamedNode(iri), None, None, graph)),
                    key=_quad_key):
        p = q.predicate.value
        if p in skip:
            continue
        row = rows.setdefault(p, PropertyRow(p, site.label(p), []))
        row.values.append(site.term(q.object, site.supporting_claims(q)))
    return sorted(rows.values(), key=lambda r: (r.label.casefold(), r.predicate))


def incoming_rows(site: Site, iri: str, limit: int = 500) -> list[Statement]:
    out = []
    for q in site.default(None, None, ox.NamedNode(iri)):
        if q.predicate.value == site.kzm("mentionedIn") or q.predicate.value == site.kzm("mentions"):
            continue
        out.append(Statement(site.term(q.subject), site.term(q.predicate), site.term(q.object)))
        if len(out) >= limit:
            break
    return sorted(out, key=lambda s: (s.predicate.label, s.subject.label))


def wikidata_links(site: Site, iri: str) -> list[str]:
    return sorted({o.value for p in IDENTITY_PREDICATES for o in site.objects(iri, p)
                   if isinstance(o, ox.NamedNode) and o.value.startswith(WIKIDATA)})


def schema_org(site: Site, iri: str) -> dict:
    """A small schema.org JSON-LD object for the page (embedded as application/ld+json)."""
    types = [local_name(t.value) for t in site.objects(iri, RDF + "type")
             if isinstance(t, ox.NamedNode) and t.value.startswith(SCHEMA)]
    data: dict = {"@context": "https://schema.org", "@id": iri,
                  "@type": types or "Thing", "name": site.label(iri)}
    alt = site.alt_names(iri)
    if alt:
        data["alternateName"] = alt
    desc = first_comment(site, iri)
    if desc:
        data["description"] = desc
    same = wikidata_links(site, iri)
    if same:
        data["sameAs"] = same
    return data


def first_comment(site: Site, iri: str, graph=ox.DefaultGraph()) -> str:
    for p in COMMENT_PREDICATES:
        for o in site.objects(iri, p, graph):
            if isinstance(o, ox.Literal):
                return o.value
    return ""


def entity_view(site: Site, doc: str) -> dict:
    """Everything the entity page shows, for a document IRI (and its hash IRIs)."""
    header = {RDF + "type", *site._label_predicates["label"], *site._label_predicates["alt"],
              *site._label_predicates["hidden"], *COMMENT_PREDICATES[:1]}
    types = [site.term(o) for o in site.objects(doc, RDF + "type")]
    only_in_claims = not site.default(ox.NamedNode(doc), TYPE) and bool(
        list(site.quads(ox.NamedNode(doc), TYPE, None, None)))
    if not types:
        types = list({t.value: site.term(t) for q in site.quads(ox.NamedNode(doc), TYPE, None, None)
                      for t in [q.object]}.values())
    fragments = []
    for q in site.hash_iris(doc):
        fragments.append({"iri": q, "anchor": q.split("#", 1)[1], "label": site.label(q),
                          "rows": property_rows(site, q)})
    claims = [site.claim_view(c) for c in site.claims_about(doc) if c != doc]
    own_claim = site.claim_view(doc) if site.is_claim(doc) else None
    comment = first_comment(site, doc) or first_comment(site, doc, None)
    return {
        "iri": doc,
        "label": site.label(doc),
        "alt_names": site.alt_names(doc),
        "comment": comment,
        "types": types,
        "rows": property_rows(site, doc, skip=header),
        "incoming": incoming_rows(site, doc),
        "claims": claims,
        "own_claim": own_claim,
        "fragments": fragments,
        "wikidata": wikidata_links(site, doc),
        "only_in_claims": only_in_claims,
        "schema_org": schema_org(site, doc),
        "statuses": site.statuses,
    }


# --------------------------------------------------------------------------- ontology page


def ontology_view(site: Site, doc: str) -> dict:
    """Classes and properties defined under a document IRI (e.g. …/def), with usage counts,
    and the SHACL shapes in plain words."""
    type_counts: Counter = Counter()
    pred_counts: Counter = Counter()
    for q in site.store.quads_for_pattern(None, None, None, None):
        pred_counts[q.predicate.value] += 1
        if q.predicate == TYPE and isinstance(q.object, ox.NamedNode):
            type_counts[q.object.value] += 1
    terms = sorted({q.subject.value for q in site.quads(None, TYPE, None, None)
                    if isinstance(q.subject, ox.NamedNode)
                    and (q.subject.value.startswith(doc + "#") or q.subject.value.startswith(doc + "/"))
                    and q.object.value in CLASS_TYPES + PROPERTY_TYPES}, key=str.casefold)
    classes, properties, others = [], [], []
    for iri in terms:
        kinds = {o.value for o in site.objects(iri, RDF + "type")}
        is_class = bool(kinds & set(CLASS_TYPES))
        entry = {
            "iri": iri, "anchor": local_name(iri), "label": site.label(iri),
            "comment": first_comment(site, iri),
            "kinds": [site.term_for_iri(k) for k in sorted(kinds)],
            "alignments": [(site.label(p) if site.has_label(p) else local_name(p), site.term(o))
                           for p in ALIGNMENTS for o in site.objects(iri, p)],
            "usage": type_counts[iri] if is_class else pred_counts[iri],
        }
        (classes if is_class else properties if kinds & set(PROPERTY_TYPES) else others).append(entry)
    ontology = doc if site.exists(doc) else None
    return {
        "iri": doc,
        "label": site.label(doc) if ontology and site.has_label(doc) else local_name(doc),
        "comment": first_comment(site, doc),
        "rows": property_rows(site, doc, skip={RDFS + "label", RDFS + "comment", RDF + "type"}),
        "classes": classes,
        "properties": properties,
        "shapes": shapes_view(site),
        "statuses": site.statuses,
    }


def _list_items(site: Site, node) -> list:
    items, seen = [], set()
    while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != RDF + "nil" and node not in seen:
        seen.add(node)
        first = [q.object for q in site.quads(node, ox.NamedNode(RDF + "first"), None, None)]
        rest = [q.object for q in site.quads(node, ox.NamedNode(RDF + "rest"), None, None)]
        if not first:
            break
        items.append(first[0])
        node = rest[0] if rest else None
    return items


def _one(site: Site, node, pred: str):
    hits = [q.object for q in site.quads(node, ox.NamedNode(SH + pred), None, None)]
    return hits[0] if hits else None


def _path_words(site: Site, path) -> str:
    if path is None:
        return "(no path)"
    if isinstance(path, ox.NamedNode):
        return f"“{site.label(path.value)}”"
    items = _list_items(site, path)
    if items:
        return " then ".join(_path_words(site, i) for i in items)
    inverse = _one(site, path, "inversePath")
    if inverse is not None:
        return f"inverse of {_path_words(site, inverse)}"
    return "(complex path)"


def constraint_words(site: Site, node) -> list[str]:
    """Plain-English phrases for the constraints of one property (or node) shape."""
    words: list[str] = []
    lo, hi = _int(_one(site, node, "minCount")), _int(_one(site, node, "maxCount"))
    if lo is not None and hi is not None and lo == hi:
        words.append(f"exactly {lo}")
    else:
        if lo:
            words.append(f"at least {lo}")
        if hi is not None:
            words.append(f"at most {hi}")
    name = lambda t: site.label(t.value) if isinstance(t, ox.NamedNode) else t.value  # noqa: E731
    for pred, phrase in (("datatype", "of datatype"), ("class", "each an instance of"),
                         ("node", "each conforming to"), ("nodeKind", "each of kind"),
                         ("hasValue", "including the value"), ("pattern", "matching the pattern"),
                         ("minInclusive", "≥"), ("maxInclusive", "≤"),
                         ("minLength", "of length ≥"), ("maxLength", "of length ≤"),
                         ("languageIn", "in languages")):
        for q in site.quads(node, ox.NamedNode(SH + pred), None, None):
            o = q.object
            if pred in ("languageIn",):
                words.append(f"{phrase} {', '.join(i.value for i in _list_items(site, o))}")
            elif isinstance(o, ox.Literal):
                words.append(f"{phrase} {o.value}")
            else:
                words.append(f"{phrase} {name(o)}")
    for q in site.quads(node, ox.NamedNode(SH + "in"), None, None):
        values = ", ".join(name(i) for i in _list_items(site, q.object))
        words.append(f"one of: {values}")
    return words


def shapes_view(site: Site) -> list[dict]:
    shapes = sorted({q.subject.value for q in site.quads(None, TYPE, ox.NamedNode(SH + "NodeShape"), None)
                     if isinstance(q.subject, ox.NamedNode)}, key=_natural)
    out = []
    for iri in shapes:
        node = ox.NamedNode(iri)
        targets = [f"every {site.label(t.value)}" for t in
                   (q.object for q in site.quads(node, ox.NamedNode(SH + "targetClass"), None, None))]
        targets += [f"{site.label(t.value)}" for t in
                    (q.object for q in site.quads(node, ox.NamedNode(SH + "targetNode"), None, None))]
        targets += [f"every subject of “{site.label(t.value)}”" for t in
                    (q.object for q in site.quads(node, ox.NamedNode(SH + "targetSubjectsOf"), None, None))]
        targets += [f"every object of “{site.label(t.value)}”" for t in
                    (q.object for q in site.quads(node, ox.NamedNode(SH + "targetObjectsOf"), None, None))]
        rules = []
        for q in sorted(site.quads(node, ox.NamedNode(SH + "property"), None, None), key=_quad_key):
            ps = q.object
            severity = _one(site, ps, "severity")
            message = _one(site, ps, "message")
            cons = constraint_words(site, ps)
            rules.append({
                "iri": ps.value if isinstance(ps, ox.NamedNode) else "",
                "anchor": local_name(ps.value) if isinstance(ps, ox.NamedNode) else "",
                "text": f"{_path_words(site, _one(site, ps, 'path'))}: "
                        + ("; ".join(cons) if cons else "no constraint"),
                "severity": local_name(severity.value) if severity is not None else "Violation",
                "message": message.value if isinstance(message, ox.Literal) else "",
            })
        out.append({"iri": iri, "anchor": local_name(iri), "label": site.label(iri),
                    "comment": first_comment(site, iri),
                    "targets": targets, "node_rules": constraint_words(site, node), "rules": rules})
    return out


# --------------------------------------------------------------------------- article view


def article_view(site: Site) -> dict | None:
    """Paragraphs of sentences; each sentence has segments (text, optional entity link, whether it
    is inside a claim's quote) and the claims it carries (with their status)."""
    text = site.article_text
    if text is None:
        return None
    by_sentence: dict[int, list[ClaimRef]] = defaultdict(list)
    quotes: list[tuple[int, int, str]] = []
    for claim, sel in sorted(site.selectors.items(), key=lambda kv: (kv[1].start, _natural(kv[0]))):
        if not (0 <= sel.start < sel.end <= len(text)):
            continue
        quotes.append((sel.start, sel.end, claim))
        for i, (_, s, e) in enumerate(site.sentences):
            if s < sel.end and e > sel.start:
                by_sentence[i].append(site.claim_ref(claim))
    paragraphs: list[list[dict]] = []
    last_para = None
    for i, (para, s, e) in enumerate(site.sentences):
        if para != last_para:
            paragraphs.append([])
            last_para = para
        claims = list({c.iri: c for c in by_sentence.get(i, [])}.values())
        paragraphs[-1].append({
            "segments": _segments(text, s, e, site.mentions(text[s:e], s), quotes),
            "claims": claims,
            "slug": claims[0].slug if claims else "",
            "title": "; ".join(f"{c.status_label}: {c.label}" for c in claims),
        })
    used = {c.status for para in paragraphs for sent in para for c in sent["claims"]}
    return {
        "iri": site.article_iri,
        "label": site.label(site.article_iri) if site.article_iri else "Article",
        "paragraphs": paragraphs,
        "legend": [st for st in site.statuses.values() if st["iri"] in used],
    }


def _segments(text: str, start: int, end: int, mentions, quotes) -> list[dict]:
    cuts = {start, end}
    for s, e, _ in mentions:
        cuts.update((s, e))
    for s, e, _ in quotes:
        if s < end and e > start:
            cuts.update((max(s, start), min(e, end)))
    points = sorted(c for c in cuts if start <= c <= end)
    out = []
    for a, b in zip(points, points[1:]):
        link = next((iri for s, e, iri in mentions if s <= a and b <= e), None)
        quoted = [c for s, e, c in quotes if s <= a and b <= e]
        out.append({"text": text[a:b], "href": link, "quoted": bool(quoted)})
    return out


# --------------------------------------------------------------------------- landing page


def void_stats(site: Site, dataset: str) -> list[tuple[str, str]]:
    """(label, value) of VoID/DCAT statistics stated for the dataset, else counted here."""
    stats = []
    for pred in ("triples", "entities", "classes", "properties", "distinctSubjects",
                 "distinctObjects", "documents"):
        for o in site.objects(dataset, VOID + pred):
            stats.append((pred, o.value))
    if not stats:
        store = site.store
        stats = [("quads", str(len(store))),
                 ("named graphs", str(len(site.graph_names))),
                 ("subjects under the base IRI", str(len(site.subjects())))]
    return stats


def landing_view(site: Site, title: str) -> dict:
    dataset = site.iris.dataset
    has_dataset = site.exists(dataset)
    entities: dict[str, list[Term]] = defaultdict(list)
    for iri in site.subjects():
        if "#" in iri or site.is_claim(iri) or iri.startswith(site.iris.ontology) \
                or iri.startswith(site.base + "shapes"):
            continue
        types = [t for t in site.objects(iri, RDF + "type") if isinstance(t, ox.NamedNode)]
        local_types = [t for t in types if site.is_ours(t.value)] or types
        group = site.label(local_types[0].value) if local_types else "Other"
        entities[group].append(site.term_for_iri(iri))
    claims = [site.claim_ref(c) for c in sorted(site.claim_status, key=_natural)]
    article = site.article_iri
    return {
        "dataset": dataset if has_dataset else None,
        "title": (site.label(dataset) if has_dataset and site.has_label(dataset) else title),
        "description": first_comment(site, dataset) if has_dataset else "",
        "rows": property_rows(site, dataset, skip={RDF + "type"}) if has_dataset else [],
        "stats": void_stats(site, dataset),
        "article": site.term_for_iri(article) if article else None,
        "article_comment": first_comment(site, article) if article else "",
        "entities": sorted(entities.items()),
        "claims": claims,
        "status_counts": Counter(c.slug for c in claims),
        "statuses": site.statuses,
    }
