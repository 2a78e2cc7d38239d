"""W3C SPARQL 1.1 Service Description of the endpoint, with the default dataset described by VoID.

sd:endpoint is the URL the client actually used (see ldpub.iris.public_base_url for proxies), so the
description is built per base URL; the counts come from void.py and are computed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pyoxigraph as ox

from ldpub.formats import FORMATS
from ldpub.ns import FORMATS as FORMAT_NS
from ldpub.ns import RDF_TYPE, RDFS, SD, SH, VOID, XSD
from ldpub.query.protocol import predeclared
from ldpub.settings import Settings
from ldpub.void import Statistics, grouped, integer

XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
# Added to the published prefixes for the service description and VoID answers.
PREFIXES = {"sd": SD, "formats": FORMAT_NS}


def sd_triples(
    settings: Settings,
    endpoint: str,
    stats: Statistics,
    dataset_void: Sequence[ox.Quad] = (),
) -> list[ox.Triple]:
    """The description: service, result formats, features, default dataset and its graphs (the
    first void.GRAPHS_LISTED by name; past them, how many there are and how to list them).

    dataset_void: VoID quads about the dataset IRI (void.void_quads), merged in so the default
    dataset carries its counts."""
    svc = ox.NamedNode(endpoint)
    ext = settings.base_iri + "sparql#"  # ldpub's own terms for its limits
    dataset = ox.NamedNode(settings.iris.dataset)
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    add(svc, str(RDF_TYPE.value), ox.NamedNode(SD + "Service"))
    add(svc, SD + "endpoint", svc)
    add(svc, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    for fmt in FORMATS:
        if fmt.w3c_iri and fmt.kind in ("results", "rdf"):
            add(svc, SD + "resultFormat", ox.NamedNode(fmt.w3c_iri))
    if settings.service_allowlist:
        add(svc, SD + "feature", ox.NamedNode(SD + "BasicFederatedQuery"))
    else:
        add(svc, SD + "feature", ox.NamedNode(ext + "NoNetworkAccess"))
    for feature in ("ReadOnly", "QueryTimeout", "ResultLimit"):
        add(svc, SD + "feature", ox.NamedNode(ext + feature))
    add(svc, ext + "queryTimeoutSeconds", ox.Literal(str(float(settings.query_timeout)), datatype=XSD_DECIMAL))
    add(svc, ext + "resultLimit", integer(settings.result_limit))
    add(svc, ext + "maxQueryLength", integer(settings.max_query_length))
    for iri in settings.service_allowlist:
        add(svc, ext + "serviceAllowed", ox.NamedNode(iri))

    # The prefixes every query may use without declaring them, as SHACL prefix declarations.
    for prefix, namespace in predeclared(settings):
        decl = ox.NamedNode(f"{endpoint}#prefix-{prefix}")
        add(svc, SH + "declare", decl)
        add(decl, SH + "prefix", ox.Literal(prefix))
        add(decl, SH + "namespace", ox.Literal(namespace, datatype=ox.NamedNode(XSD + "anyURI")))
    add(svc, SD + "defaultDataset", dataset)
    add(dataset, str(RDF_TYPE.value), ox.NamedNode(SD + "Dataset"))
    default_graph = ox.NamedNode(f"{endpoint}#default-graph")
    add(dataset, SD + "defaultGraph", default_graph)
    add(default_graph, str(RDF_TYPE.value), ox.NamedNode(SD + "Graph"))
    add(default_graph, VOID + "triples", integer(stats.sizes.get(None, 0)))
    listed = stats.listed
    if len(listed) < len(stats.graph_names):
        add(dataset, ext + "namedGraphCount", integer(len(stats.graph_names)))
        add(dataset, RDFS + "comment", ox.Literal(
            f"{len(listed)} of its {len(stats.graph_names)} named graphs are listed here, the first by name. "
            f"All of them: SELECT ?g (COUNT(*) AS ?triples) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g", language="en"))
    for name, size in listed:
        tag = hashlib.sha1(name.encode()).hexdigest()[:10]
        named = ox.NamedNode(f"{endpoint}#named-graph-{tag}")
        graph = ox.NamedNode(f"{endpoint}#graph-{tag}")
        add(dataset, SD + "namedGraph", named)
        add(named, str(RDF_TYPE.value), ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(name))
        add(named, SD + "graph", graph)
        add(graph, str(RDF_TYPE.value), ox.NamedNode(SD + "Graph"))
        add(graph, VOID + "triples", integer(size))
    out += [q.triple for q in dataset_void]
    return grouped(out)
