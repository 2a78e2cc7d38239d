"""W3C SPARQL 1.1 Service Description of the endpoint, with the default dataset described by VoID.

sd:endpoint is the URL the client actually used (see public_base_url for proxies), so the
description is built per base URL; the counts come from void.py and are computed once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from ldpub import negotiation as neg
from ldpub.config import Settings
from ldpub.rdfio import FORMAT_IRI, PUBLISHED
from ldpub.void import RDF_TYPE, VOID, grouped, integer

XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

SD = "http://www.w3.org/ns/sparql-service-description#"
# Added to the published prefixes for the service description and VoID answers.
PREFIXES = {"sd": SD, "formats": FORMAT_IRI}

# Media type -> W3C format IRI local name: the SPARQL result formats, then rdfio's RDF formats.
FORMAT_IRIS = {
    neg.SPARQL_JSON: "SPARQL_Results_JSON",
    neg.SPARQL_XML: "SPARQL_Results_XML",
    neg.CSV: "SPARQL_Results_CSV",
    neg.TSV: "SPARQL_Results_TSV",
    **{fmt.media_type: name for fmt, name in PUBLISHED.values()},
}


# What may go into the public URL as is. These values come from the client or a proxy, and
# they become the endpoint IRI in RDF and the links of every page: a value that is not a URL
# part (garbage, "evil.com/<script>") is ignored, never trusted.
_SCHEME = re.compile(r"https?", re.IGNORECASE)
_HOST = re.compile(r"(?:[A-Za-z0-9_~.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")  # name or [IPv6], :port
_PREFIX = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*")  # RFC 3986 path


def public_base_url(
    scheme: str, host: str, headers: Mapping[str, str], root_path: str = "", server: str = "localhost"
) -> str:
    """Scheme://host/prefix as the client saw it: X-Forwarded-Proto/Host/Prefix win when a
    proxy sets them (first value of a comma list). A Host that is no host name falls back to
    server (this server's own address)."""

    def forwarded(name: str, pattern: re.Pattern[str], default: str) -> str:
        value = headers.get(name, "").split(",")[0].strip()
        return value if value and pattern.fullmatch(value) else default

    proto = forwarded("x-forwarded-proto", _SCHEME, scheme).lower()
    fwd_host = forwarded("x-forwarded-host", _HOST, host if _HOST.fullmatch(host) else server)
    prefix = forwarded("x-forwarded-prefix", _PREFIX, root_path)
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    return f"{proto}://{fwd_host}{prefix}"


def sd_triples(
    settings: Settings,
    endpoint: str,
    graph_sizes: Mapping[str | None, int],
    dataset_void: Sequence[ox.Quad] = (),
) -> list[ox.Triple]:
    """The description: service, result formats, features, default dataset and its graphs.

    dataset_void: VoID quads about the dataset IRI (void.void_quads), merged in so the default
    dataset carries its counts."""
    svc = ox.NamedNode(endpoint)
    ext = settings.base_iri + "sparql#"  # ldpub's own terms for its limits
    dataset = ox.NamedNode(settings.iri("id/dataset"))
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    add(svc, str(RDF_TYPE.value), ox.NamedNode(SD + "Service"))
    add(svc, SD + "endpoint", svc)
    add(svc, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    for local in FORMAT_IRIS.values():
        add(svc, SD + "resultFormat", ox.NamedNode(FORMAT_IRI + local))
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

    add(svc, SD + "defaultDataset", dataset)
    add(dataset, str(RDF_TYPE.value), ox.NamedNode(SD + "Dataset"))
    default_graph = ox.NamedNode(f"{endpoint}#default-graph")
    add(dataset, SD + "defaultGraph", default_graph)
    add(default_graph, str(RDF_TYPE.value), ox.NamedNode(SD + "Graph"))
    add(default_graph, VOID + "triples", integer(graph_sizes.get(None, 0)))
    for name, size in sorted((k, v) for k, v in graph_sizes.items() if k is not None):
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
