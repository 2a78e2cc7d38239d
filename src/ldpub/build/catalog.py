"""dist/void.ttl: the VoID counts (from ldpub.void) plus a DCAT description of every dump.

Every node has an IRI (no blank nodes): distributions are <base>id/dataset#distribution-<file>,
their checksums <base>id/dataset#sha256-<file>; downloads are served at <base>download/<file>.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from ldpub.build.dumps import sha256_hex
from ldpub.formats import BY_SUFFIX, file_type
from ldpub.ns import DCAT, IANA, RDF_TYPE, SPDX, VOID, XSD
from ldpub.ns import DCTERMS as DCT
from ldpub.rdf import rdf_bytes
from ldpub.settings import Settings
from ldpub.void import void_quads

GZIP = IANA + "application/gzip"


def _lit(value: str, datatype: str | None = None) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype)) if datatype else Literal(value)


def _media_type(name: str) -> str:
    fmt = file_type(name.removesuffix(".gz"))
    return fmt.media_type if fmt else "application/octet-stream"


def dump_names(files: dict[str, bytes]) -> list[str]:
    return sorted(n for n in files if n.startswith("dataset."))


def class_triple_counts(dataset: list[Quad]) -> Counter:
    """Distinct triples (in any graph, each once, as void:triples) whose subject is an instance of each class."""
    triples = {(q.subject, q.predicate, q.object) for q in dataset}
    types: dict = {}
    for s, p, o in triples:
        if p == RDF_TYPE:
            types.setdefault(s, set()).add(o)
    counts: Counter = Counter()
    for s, _, _ in triples:
        for cls in types.get(s, ()):
            counts[cls] += 1
    return counts


def distribution_iri(settings: Settings, name: str) -> NamedNode:
    return NamedNode(settings.iris.distribution(name))


def _distribution(settings: Settings, name: str, data: bytes) -> list[tuple]:
    dist = distribution_iri(settings, name)
    checksum = NamedNode(settings.iris.checksum(name))
    url = NamedNode(settings.iris.download(name))
    fmt = BY_SUFFIX.get(name.split(".")[1])
    graphs = "every graph, named graphs kept" if fmt and fmt.carries_graphs else "the default graph"
    triples = [
        (dist, RDF_TYPE, NamedNode(DCAT + "Distribution")),
        (dist, NamedNode(DCT + "title"), _lit(f"{name}: {graphs}")),
        (dist, NamedNode(DCAT + "downloadURL"), url),
        (dist, NamedNode(DCAT + "accessURL"), url),
        (dist, NamedNode(DCAT + "mediaType"), NamedNode(IANA + _media_type(name))),
        (dist, NamedNode(DCAT + "byteSize"), _lit(str(len(data)), "nonNegativeInteger")),
        (dist, NamedNode(DCT + "license"), NamedNode(settings.license)),
        (dist, NamedNode(SPDX + "checksum"), checksum),
        (checksum, RDF_TYPE, NamedNode(SPDX + "Checksum")),
        (checksum, NamedNode(SPDX + "algorithm"), NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (checksum, NamedNode(SPDX + "checksumValue"), _lit(sha256_hex(data), "hexBinary")),
    ]
    if name.endswith(".gz"):
        triples.append((dist, NamedNode(DCAT + "compressFormat"), NamedNode(GZIP)))
    return triples


def _described_in_data(settings: Settings, dataset: list[Quad]) -> set[tuple]:
    """What data/dataset.ttl says of the dataset (citation, source, vocabulary), so void.ttl
    stands on its own as the DCAT record."""
    ds = NamedNode(settings.iris.dataset)
    return {(q.subject, q.predicate, q.object) for q in dataset
            if q.subject == ds and isinstance(q.graph_name, ox.DefaultGraph)}


def _service(settings: Settings) -> list[tuple]:
    """The SPARQL service this publisher runs for the dataset (a fact of the deployment, not of
    the article, so it is written here rather than in data/)."""
    ds, sparql = NamedNode(settings.iris.dataset), NamedNode(settings.iris.sparql)
    return [
        (sparql, RDF_TYPE, NamedNode(DCAT + "DataService")),
        (sparql, NamedNode(DCT + "title"), _lit("SPARQL endpoint of the dataset")),
        (sparql, NamedNode(DCAT + "endpointURL"), sparql),
        (sparql, NamedNode(DCAT + "servesDataset"), ds),
        (sparql, NamedNode(DCT + "license"), NamedNode(settings.license)),
        (ds, NamedNode(DCAT + "accessService"), sparql),
    ]


def void_description(settings: Settings, dataset: list[Quad], files: dict[str, bytes], prefixes: dict[str, str]) -> bytes:
    """VoID (counts, class partitions with entities and triples) + DCAT (one distribution per dump)."""
    store = ox.Store()
    store.extend(dataset)
    names = dump_names(files)
    void = void_quads(store, settings, sparql_endpoint=settings.iris.sparql,
                      distributions=[settings.iris.download(n) for n in names])
    triples = {(q.subject, q.predicate, q.object) for q in void}
    per_class = class_triple_counts(dataset)
    for part, _, cls in [t for t in triples if t[1] == NamedNode(VOID + "class")]:
        triples.add((part, NamedNode(VOID + "triples"), _lit(str(per_class[cls]), "integer")))
    ds = NamedNode(settings.iris.dataset)
    triples.update(_described_in_data(settings, dataset))
    triples.update(_service(settings))
    for name in names:
        triples.add((ds, NamedNode(DCAT + "distribution"), distribution_iri(settings, name)))
        triples.update(_distribution(settings, name, files[name]))
    quads = [Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples]
    # `dataset:` keeps the hash IRIs of partitions and distributions readable (no escaped '#')
    return rdf_bytes(quads, ox.RdfFormat.TURTLE, {**prefixes, "dataset": settings.iris.dataset + "#"})
