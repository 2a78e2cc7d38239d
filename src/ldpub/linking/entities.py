"""Our entities as the linker sees them: names, kinds (data/linking/kinds.tsv), the article's date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
import rdflib

from ldpub import ns
from ldpub.build.articles import article_folders, article_quads, load_article
from ldpub.build.sources import source_files as build_source_files
from ldpub.iris import IriScheme
from ldpub.settings import Settings
from ldpub.store import load_store

# ------------------------------------------------------------------------------------------ our entities


@dataclass(frozen=True)
class Kinds:
    classes: list[tuple[str, str]]  # (class IRI, kind), first match wins
    roots: dict[str, dict[str, str]]  # kind -> {QID: label}
    country_prop: dict[str, str]  # kind -> PID
    # Facts about the article the candidates are checked against (rows "article country|date").
    country: str = ""  # QID of the article's country
    country_label: str = ""
    as_of: str = ""  # YYYY-MM-DD: offices are checked around this date
    description_pattern: str = ""  # regex: a description matching it mentions the article's country

    @classmethod
    def load(cls, path: Path) -> Kinds:
        classes: list[tuple[str, str]] = []
        roots: dict[str, dict[str, str]] = {}
        props: dict[str, str] = {}
        article: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            row = line.split("\t")
            if row[0] == "class":
                classes.append((row[1], row[2]))
            elif row[0] == "root":
                roots.setdefault(row[1], {})[row[2]] = row[3]
            elif row[0] == "country":
                props[row[1]] = row[2]
            elif row[0] == "article":
                article[row[1]] = row[2:]
        country, label = ([*article.get("country", []), "", ""])[:2]
        return cls(classes, roots, props, country, label, (article.get("date") or [""])[0],
                   (article.get("description") or [""])[0])


@dataclass
class OurEntity:
    iri: str
    slug: str
    kind: str
    labels: list[tuple[str, str]]  # (text, lang)
    posts: list[str] = field(default_factory=list)  # labels of posts the article mentions with it

    @property
    def label(self) -> str:
        en = [t for t, lang in self.labels if lang in ("en", "")]
        return (en or [t for t, _ in self.labels] or [self.slug])[0]


def source_files(settings: Settings) -> list[Path]:
    """What the build reads: the ontology's files, the data files and the article folders."""
    ontology, data = build_source_files(settings)
    return [*ontology, *data, *article_folders(settings)]


def read_quads(settings: Settings, files: Iterable[Path]) -> list[ox.Quad]:
    """The quads of RDF files and article folders (whose claims the build expands), unmaterialised."""
    quads: list[ox.Quad] = []
    for f in files:
        if f.is_dir():
            quads += article_quads(load_article(f, settings), settings)
        else:
            quads += load_store([f])
    return quads


def load_dataset(settings: Settings, files: Iterable[Path]) -> rdflib.Dataset:
    """Our data for the linker's queries (rdflib: property paths over the union of the graphs)."""
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=ox.serialize(read_quads(settings, files), format=ox.RdfFormat.N_QUADS), format="nquads")
    return ds


# The label properties (and their sub-properties) the linker takes names from.
NAME_PREDICATES = (ns.RDFS + "label", ns.SCHEMA + "name", ns.SCHEMA + "alternateName", ns.SKOS + "prefLabel",
                   ns.SKOS + "altLabel", ns.FOAF + "name")


def rows(ds: rdflib.Dataset, query: str) -> Iterable[Any]:
    """The rows of a SELECT over the dataset (rdflib types its results loosely)."""
    return cast(Iterable[Any], ds.query(query))


def our_entities(ds: rdflib.Dataset, kinds: Kinds, base_iri: str) -> list[OurEntity]:
    """Persons, organisations and places of our data, with their labels and co-mentioned posts."""
    iris = IriScheme(base_iri)
    id_ns = iris.ids
    types: dict[str, set[str]] = {}
    for s, c in rows(ds, f"SELECT DISTINCT ?s ?c WHERE {{ ?s a ?t . ?t <{ns.RDFS}subClassOf>* ?c }}"):
        if str(s).startswith(id_ns):
            types.setdefault(str(s), set()).add(str(c))
    labels: dict[str, dict[tuple[str, str], bool]] = {}  # (text, lang) -> preferred?
    names = " ".join(str(ox.NamedNode(p)) for p in NAME_PREDICATES)
    for s, o, q in rows(ds,
        f"SELECT DISTINCT ?s ?o ?q WHERE {{ VALUES ?q {{ {names} }} "
        f"?s ?p ?o . ?p <{ns.RDFS}subPropertyOf>* ?q . FILTER(isLiteral(?o)) }}"
    ):
        key = (str(o), getattr(o, "language", None) or "")
        pref = labels.setdefault(str(s), {}).get(key, False)
        labels[str(s)][key] = pref or not str(q).endswith(("altLabel", "alternateName"))
    posts: dict[str, set[str]] = {}
    for s, post in rows(ds,
        "SELECT DISTINCT ?s ?post WHERE { GRAPH ?g { { ?s ?p ?o } UNION { ?o ?p ?s } } "
        "GRAPH ?g { { ?post ?q ?v } UNION { ?v ?q ?post } } }"
    ):
        if str(post).startswith(iris.id("post/")) and str(s).startswith(id_ns):
            posts.setdefault(str(s), set()).add(str(post))
    out = []
    for iri, classes in sorted(types.items()):
        kind = next((k for c, k in kinds.classes if c in classes), None)
        if kind is None:
            continue
        post_labels = sorted(t for p in posts.get(iri, ()) for t, lang in labels.get(p, ()) if lang in ("en", ""))
        mine = labels.get(iri, {})
        ordered = sorted(mine, key=lambda k: (not mine[k], k[1] not in ("en", ""), k))  # preferred English first
        out.append(OurEntity(iri, iri[len(id_ns):].replace("/", "-"), kind, ordered, post_labels))
    return out


def select_entities(settings: Settings, kinds: Kinds, data: list[Path] | None = None,
                    only: Iterable[str] = ()) -> list[OurEntity]:
    """Our entities in `data` (default: source_files), or only those named in `only` (slug or IRI)."""
    ents = our_entities(load_dataset(settings, data or source_files(settings)), kinds, settings.base_iri)
    keep = {x if x.startswith("http") else settings.iris.id(x) for x in only}
    return [e for e in ents if e.iri in keep] if keep else ents


def is_typed(settings: Settings, files: Iterable[Path], iri: str) -> bool:
    """True when some rdf:type of `iri` is in the files: an entity of our data."""
    subject = ox.NamedNode(iri)
    return any(q.subject == subject and q.predicate == ns.RDF_TYPE for q in read_quads(settings, files))
