"""Plain-function tests of the endpoint's rules (no HTTP): negotiation, parameters, results."""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
import pytest

from ldpub import errors, formats
from ldpub.query.executor import CachingExecutor, QueryJob, Result, syntax_error
from ldpub.query.protocol import check_query, parse_params
from ldpub.query.results import to_csv, to_json, to_tsv, to_xml
from ldpub.settings import load_settings
from ldpub.web import negotiation as neg
from ldpub.web.errors import status_of


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        ("text/turtle;q=0.3, application/ld+json;q=0.3, */*;q=0.1", formats.GRAPH_TYPES, formats.TURTLE),
        ("application/ld+json, text/turtle", formats.GRAPH_TYPES, formats.JSON_LD),  # client order on a tie
        ("application/*", formats.RESULT_TYPES, formats.SPARQL_JSON),
        ("text/plain", formats.GRAPH_TYPES, "application/n-triples"),
        ("image/*", formats.RESULT_TYPES, None),
        ("*/*;q=0", formats.RESULT_TYPES, None),
        ("garbage, text/csv;q=bad, text/tab-separated-values", formats.RESULT_TYPES, "text/tab-separated-values"),
    ],
)
def test_choose(accept, offered, expected):
    assert neg.choose(accept, offered) == expected


def test_format_override_and_406():
    assert neg.negotiate("text/csv", "json", formats.RESULT_TYPES) == formats.SPARQL_JSON
    assert neg.negotiate(None, "application/sparql-results+xml", formats.RESULT_TYPES) == "application/sparql-results+xml"
    assert neg.negotiate(None, "json", formats.GRAPH_TYPES) == formats.JSON_LD  # json on a graph: JSON-LD
    with pytest.raises(errors.NotAcceptable) as exc:
        neg.negotiate("image/png", None, formats.GRAPH_TYPES)
    assert all(t in str(exc.value) for t in formats.GRAPH_TYPES)


def test_prefers_html():
    assert neg.prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert not neg.prefers_html("text/turtle, text/html;q=0.5")
    assert not neg.prefers_html(None)


def test_parse_params_strict_utf8():
    assert parse_params(b"query=a+b%20c&x=&query=%C3%A9") == [("query", "a b c"), ("x", ""), ("query", "é")]
    with pytest.raises(errors.BadRequest) as exc:
        parse_params(b"query=%FF")
    assert status_of(exc.value) == 400


def test_check_query_statuses():
    settings = load_settings(max_query_length=100)
    for query, status in [("", 400), ("ASK {} #" + "x" * 200, 413), ("DROP ALL", 400),
                          ("SELECT * FROM <http://elsewhere/> {}", 400)]:
        with pytest.raises(errors.QueryError) as exc:
            check_query(query, settings, frozenset())
        assert status_of(exc.value) == status, query
    assert check_query("SELECT * FROM <urn:g> {}", settings, frozenset({"urn:g"})).form == "SELECT"


def test_syntax_error_position():
    err = syntax_error("error at 3:14: expected one of FILTER")
    assert status_of(err) == 400 and err.detail == {"line": 3, "column": 14}
    assert err.message == "Query syntax error at line 3, column 14: expected one of FILTER"


def test_result_writers_escape():
    tricky = ox.Literal('a "b", <c> & d\te\nf')
    rows = [(ox.NamedNode("http://x/1"), tricky), (ox.BlankNode("b0"), None)]
    variables = ["s", "o"]
    for writer, fmt in ((to_json, ox.QueryResultsFormat.JSON), (to_xml, ox.QueryResultsFormat.XML),
                        (to_tsv, ox.QueryResultsFormat.TSV)):
        parsed = list(ox.parse_query_results(writer(variables, rows), format=fmt))
        assert parsed[0]["o"] == tricky and parsed[1]["o"] is None
    csv = to_csv(variables, rows).decode()
    assert csv.startswith("s,o\r\nhttp://x/1,\"a \"\"b\"\", <c> & d\te\nf\"\r\n_:b0,\r\n")


def test_result_cache_counts_query_text_against_its_bound():
    class Echo:
        async def execute(self, job: QueryJob, client: str = "") -> Result:
            return Result(b"{}")

    cache = CachingExecutor(Echo(), max_entries=1000, max_bytes=64 * 1024)
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 4000  # small answer, large key

    async def run() -> None:
        for i in range(100):
            await cache.execute(QueryJob(big + str(i), "application/sparql-results+json"))

    asyncio.run(run())
    held = sum(len(job.query) + len(result.body) + len(job.media_type) for job, result in cache.entries.items())
    assert held == cache.size <= 64 * 1024
    assert 0 < len(cache.entries) < 100


def test_result_cache_counts_the_graph_iris_of_its_keys():
    """Issue 10.11: the protocol's graph IRIs are part of the key; a stream of short queries with
    many long graph IRIs must not grow the cache past its byte bound (it reached 146 MB of 16)."""
    class Echo:
        async def execute(self, job: QueryJob, client: str = "") -> Result:
            return Result(b"{}")

    cache = CachingExecutor(Echo(), max_entries=1000, max_bytes=256 * 1024)
    graphs = tuple(f"http://example.org/graph/{'g' * 200}/{i}" for i in range(20))  # ~4.5 KB a key

    async def run() -> None:
        for i in range(200):
            await cache.execute(QueryJob(f"ASK {{}} #{i}", "application/sparql-results+json", graphs, graphs))

    asyncio.run(run())
    held = sum(len(job.query) + len(result.body) + len(job.media_type)
               + sum(len(g) for g in (*job.default_graphs, *job.named_graphs))
               for job, result in cache.entries.items())
    assert held == cache.size <= 256 * 1024
    assert 0 < len(cache.entries) < 200
