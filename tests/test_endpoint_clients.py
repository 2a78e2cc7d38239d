"""The endpoint as seen by a real SPARQL client library (SPARQLWrapper)."""

from __future__ import annotations

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

ID = "https://w3id.org/kz-masimov/id/"
PERSONS = "SELECT ?p ?name WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?name } ORDER BY ?p"


def client(endpoint, fmt=JSON, method=None) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(endpoint.url + "/sparql")
    wrapper.setReturnFormat(fmt)
    if method:
        wrapper.setMethod(method)
    return wrapper


@pytest.mark.parametrize("method", [None, POST])
def test_select_json(endpoint, method):
    w = client(endpoint, method=method)
    w.setQuery(PERSONS)
    rows = w.query().convert()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == ["Karim Masimov", "Nursultan Nazarbayev", "Kassym-Jomart Tokayev"]


def test_select_xml_and_csv(endpoint):
    w = client(endpoint, XML)
    w.setQuery(PERSONS)
    doc = w.query().convert()
    assert len(doc.getElementsByTagName("result")) == 3
    w = client(endpoint, CSV)
    w.setQuery(PERSONS)
    assert w.query().convert().decode().splitlines()[0] == "p,name"


def test_ask(endpoint):
    w = client(endpoint)
    w.setQuery(f"ASK {{ <{ID}masimov> ?p ?o }}")
    assert w.query().convert()["boolean"] is True


def test_construct_and_describe_as_rdflib_graphs(endpoint):
    w = client(endpoint, TURTLE)
    w.setQuery(f"DESCRIBE <{ID}masimov>")
    data = w.query().convert()

    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert (rdflib.URIRef(ID + "masimov"), rdflib.RDFS.label, rdflib.Literal("Karim Masimov", lang="en")) in graph
    w = client(endpoint, JSON)  # SPARQLWrapper maps JSON on CONSTRUCT to JSON-LD
    w.setQuery(f"CONSTRUCT WHERE {{ <{ID}knb> ?p ?o }}")
    assert len(w.query().convert()) == 4  # two types, label, name


def test_bad_query_raises_bad_formed(endpoint):
    w = client(endpoint)
    w.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        w.query()
