"""Hostile input over real HTTP. A real `ldpub serve` of the built dataset gets malformed paths,
query strings, headers, methods and bodies on every route family, and must keep the project's
standard: never a 500 or a traceback, every 4xx says what was wrong, an injected `<script>` never
reaches a page unescaped nor an invalid IRI the RDF, and one bad request never harms the others.

Two halves: a table of hand-picked cases (each bug this file found keeps its case there, marked
"regression") and hypothesis properties, bounded and derandomised so CI runs the same examples.
Requests go out as raw bytes over a socket: an HTTP client library would repair the very input
under test (it re-encodes paths, refuses odd headers, drops bodies on GET).
"""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, ServedProcess, serve_process

# Small limits so the too-big cases stay cheap; max_query_length is what the 413s are about.
MAX_QUERY = 4096
ENV = {"LDPUB_MAX_QUERY_LENGTH": str(MAX_QUERY), "LDPUB_QUERY_TIMEOUT": "5", "LDPUB_MAX_QUEUED": "64"}
BODY_LIMIT = 3 * MAX_QUERY + 8192  # protocol.read_query's allowance for percent-encoding

ASK = "/sparql?query=ASK%7B%7D"
ENTITY = "/id/karim-masimov"
SCRIPT = "<script>alert(1)</script>"
# Markup that must never come back live in an HTML page, whatever was sent.
LIVE_MARKUP = (b"<script>alert(", b"onerror=alert(", b"<x>", b"<svg")

# One URL per route family.
ROUTES = ["/", "/sparql", ASK, "/.well-known/void", ENTITY, ENTITY + ".ttl", "/id/claim/c01", "/def",
          "/def.ttl", "/shapes", "/article", "/query", "/static/site.css", "/download/dataset.ttl",
          "/download/", "/queries/01-who-was-arrested.rq", "/graph/nothing-here"]
PATH_ROUTES = sorted({r.split("?")[0] for r in ROUTES})
HYPOTHESIS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


# --------------------------------------------------------------------------- the raw client


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def send(server: ServedProcess, method: str, target: str | bytes,
         headers: Sequence[tuple[str, str | bytes]] = (), body: bytes = b"", *,
         chunked: bool = False, timeout: float = 20) -> Answer:
    """One request as exact bytes on a fresh connection (Host added unless given)."""
    host, port = server.url.removeprefix("http://").split(":")
    lines = [as_bytes(method) + b" " + as_bytes(target) + b" HTTP/1.1"]
    names = {name.lower() for name, _ in headers}
    if "host" not in names:
        lines.append(f"Host: {host}:{port}".encode())
    lines += [as_bytes(name) + b": " + as_bytes(value) for name, value in headers]
    lines.append(b"Connection: close")
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        size = 1000
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                        for i in range(0, len(body), size)) + b"0\r\n\r\n"
    elif body and "content-length" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        payload = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)


# "Traceback" or a frame line ('File "x.py", line 3'); the data itself may say 'File "…"'.
TRACEBACK = re.compile(rb'Traceback \(most recent call last\)|File "[^"\n]*", line [0-9]+')
RDF_MEDIA = {"text/turtle", "application/n-triples", "application/trig", "application/n-quads",
             "application/rdf+xml", "application/ld+json"}


def check(answer: Answer, method: str = "GET", what: object = "") -> Answer:
    """The standard, for any answer to anything."""
    where = f"{method} {what!r}"
    assert answer.status < 500, f"{where}: {answer.status} {answer.body[:300]!r}"
    assert not TRACEBACK.search(answer.body), f"{where}: a traceback in the answer"
    if 400 <= answer.status < 500 and method != "HEAD":
        assert answer.body.strip(), f"{where}: {answer.status} without a message"
    if answer.media_type == "text/html":
        for markup in LIVE_MARKUP:
            assert markup not in answer.body, f"{where}: {markup!r} reached the page unescaped"
    if answer.media_type in RDF_MEDIA and answer.status in (200, 404) and len(answer.body) < 2_000_000:
        # Every IRI a hostile request could have put in the answer must still be a valid IRI.
        body = answer.body
        if answer.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        list(ox.parse(body, format=ox.RdfFormat.from_media_type(answer.media_type)))
    return answer


def get(server: ServedProcess, target: str | bytes, headers: Sequence[tuple[str, str | bytes]] = ()) -> Answer:
    return check(send(server, "GET", target, headers), "GET", target)


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[ServedProcess]:
    """`ldpub serve` of the built dataset (dist/ from `make build`, else a fresh build)."""
    dist = ROOT / "dist"
    if not (dist / "dataset.trig").is_file():
        dist = request.getfixturevalue("build_result").out_dir
    with serve_process([dist / "dataset.trig"], {**ENV, "LDPUB_DIST_DIR": str(dist)}) as served:
        yield served


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Case:
    target: str | bytes
    expect: int | None = None  # None: anything below 500 will do
    says: str = ""  # a word the answer must contain (the message naming what was wrong)
    headers: tuple[tuple[str, str | bytes], ...] = ()
    method: str = "GET"
    body: bytes = b""
    chunked: bool = False
    why: str = ""

    def __str__(self) -> str:
        text = self.target if isinstance(self.target, str) else self.target.decode("latin-1")
        return f"{self.method} {text[:60]} {self.why or ''}".strip()


def headers(**values: str | bytes) -> tuple[tuple[str, str | bytes], ...]:
    return tuple((name.replace("_", "-"), value) for name, value in values.items())


FORM = headers(Content_Type="application/x-www-form-urlencoded")
QUERY = headers(Content_Type="application/sparql-query")
MANY_Q = ",".join(f"text/x-{i};q=0.{i % 10}" for i in range(1500)) + ",text/turtle;q=0.05"

PATHS = [
    Case("/id/a%00b", 404, why="regression: NUL in an IRI path was a 500"),
    Case("/id/%ff%fe", 404, why="regression: invalid UTF-8 in an IRI path was a 500"),
    Case("/graph/%ff", 404, why="regression"),
    Case("/id/a%20b", 404, why="regression: %20 decoded to an invalid IRI, a 500"),
    Case("/id/" + SCRIPT, 400, "Bad IRI", why="regression: '<' in an IRI path was a 500"),
    *[Case(f"/id/a{c}b", 400, "IRI", why="regression") for c in ("|", "^", "`", "\\", '"', "{", "}")],
    Case("/id/%", 400, "IRI", why="regression: broken %-escape"),
    Case("/id/%zz", 400, "IRI", why="regression"),
    Case(ENTITY + ".ttl%zz", 400, "IRI"),
    Case("/id/%6Barim-masimov", 200, why="an escaped unreserved letter names the same IRI"),
    Case("/id/karim%2Fmasimov", 404, why="an encoded slash is not a path separator"),
    Case("/id/karim-masimov%23x", 404, why="an encoded '#' is not a fragment"),
    Case("/id/%E2%98%83", 404), Case("/id/%c0%af", 404), Case("/id/%ed%a0%80", 404),
    Case("/id/\u2603".encode(), 400, why="raw UTF-8 in the request line: uvicorn refuses it"),
    Case("/id/%2e%2e/%2e%2e/etc/passwd", 404), Case("/id/../../etc/passwd", 404),
    Case("/" + "a" * 8000, 404), Case("/id/" + "x/" * 3000, 404), Case("/id/" + "%41" * 2000, 404),
    Case(ENTITY + ".exe", 404), Case(ENTITY + ".ttl.ttl", 404), Case(ENTITY + ".", 404),
    Case(ENTITY + "..ttl", 404), Case("//id//karim-masimov", 404), Case(ENTITY + "/", 404),
    Case("/def.exe", 404), Case("/def.", 404), Case("/shapes.ttl.ttl", 404), Case("/def.ttl", 200),
    Case("/id/claim/c01#quote", 200), Case("http://evil.example/id/karim-masimov", 200),
    Case("*", 404), Case("id/karim-masimov", 400),
    Case("/static/%00", 404, why="regression: NUL in a file name was a 500"),
    Case("/static/" + "a" * 300, 404, why="regression: a too-long file name was a 500"),
    Case("/static/..%2f..%2fapp.py", 404), Case("/static/.hidden", 404), Case("/static/", 404),
    Case("/download/%00", 404, why="regression"), Case("/download/" + "a" * 300, 404, why="regression"),
    Case("/download/" + "a" * 5000, 404), Case("/download/..%2fldpub.toml", 404),
    Case("/download/..", 404), Case("/download/.", 404), Case("/dumps/%ff", 404),
    Case("/queries/%00", 404), Case("/queries/" + "b" * 300, 404),
]
QUERY_STRINGS = [
    Case("/?format=", 200), Case("/?format=garbage", 406, "Not Acceptable"), Case("/?format=%ff", 406),
    Case(ENTITY + "?format=%00", 406), Case(ENTITY + "?format=ttl&format=ttl", 200),
    Case(ENTITY + "?" + "a=1&" * 2000, 200), Case("/article?x=%ff", 200),
    Case("/query?query=%ff%fe", 200), Case("/query?query=" + SCRIPT, 200), Case("/query?example=%00", 200),
    Case("/sparql?query=%ff", 400, "UTF-8"), Case(ASK + "&format=garbage", 406, "format=garbage"),
    Case("/sparql?format=%ff", 400, "UTF-8"), Case("/sparql?query=%", 400, "syntax"),
    Case("/sparql?query=%zz", 400), Case("/sparql?%%%=&&&==", 200), Case("/sparql?query=", 400, "empty"),
    Case(ASK + "&query=ASK%7B%7D", 400, "More than one"), Case(ASK + "&default-graph-uri=", 400, "not an IRI"),
    Case(ASK + "&named-graph-uri=%3Cx%3E", 400), Case(ASK + "&update=x", 400, "read-only"),
    Case("/sparql?query=" + "A" * (MAX_QUERY + 1), 413, "max_query_length"),
    Case("/sparql?query=SELECT%20*%20FROM%20%3Chttp://a%20b%3E%20WHERE%7B%7D", 400),
    Case("/sparql?query=SELECT%20*%20WHERE%7BSERVICE%20%3C%3E%7B%7D%7D", 400, "SERVICE"),
    Case("/.well-known/void?format=garbage", 406), Case("/.well-known/void?format=%ff", 406),
]
EVIL_HOST = "evil.example/" + SCRIPT
FORWARDED = [
    headers(X_Forwarded_Host=EVIL_HOST), headers(X_Forwarded_Host='a"b\'c'),
    headers(X_Forwarded_Host="exa mple.org"), headers(X_Forwarded_Host="[::1"),
    headers(X_Forwarded_Proto="javascript"), headers(X_Forwarded_Proto="ht tp<x>"),
    headers(X_Forwarded_Prefix='/<script>"\''), headers(X_Forwarded_Prefix="a b{}|"),
    headers(X_Forwarded_Proto="https, http", X_Forwarded_Host=",,"), headers(Host=EVIL_HOST),
    headers(Host="a b"), headers(Host=""), headers(Host=b"\xff\xfe"),
]
HEADERS = [
    Case(ASK, 406, "Not Acceptable", headers(Accept="garbage"), why="regression: a garbage Accept on a 406 was a 500"),
    Case("/.well-known/void", 406, "Not Acceptable", headers(Accept="garbage"), why="regression"),
    Case("/sparql", 406, headers=headers(Accept=";;;,,,//"), why="regression"),
    *[Case(route, None, "", h, why="regression: proxy headers made invalid IRIs, a 500")
      for route in ("/sparql", "/.well-known/void", "/", ENTITY, ENTITY + ".ttl", "/id/nope.ttl", "/query")
      for h in FORWARDED],
    *[Case(route, None, "", headers(Accept=accept))
      for route in (ASK, "/", ENTITY, "/sparql")
      for accept in ("text/html;q=abc", "text/turtle;q=5", "*/*;q=nan", "text/turtle;q=inf", "*/*;q=-1",
                     "/", "text/", "\x01\x02", "text/html;q=1e400", MANY_Q)],
    *[Case(route, None, "", h)
      for route in (ENTITY, ENTITY + ".ttl", "/download/dataset.ttl", "/static/site.css", "/")
      for h in (headers(If_None_Match="garbage"), headers(If_None_Match='"' * 3000), headers(If_None_Match="*"),
                headers(If_Modified_Since="garbage"), headers(If_Modified_Since="Fri, 31 Dec 99999 23:59:59 GMT"),
                headers(If_Modified_Since="Mon, 01 Jan 2000 00:00:00 +99999"), headers(If_Modified_Since="0"),
                headers(Accept_Encoding="gzip;q=abc"), headers(Accept_Encoding="gzip;q"),
                headers(Accept_Encoding=";;;,,,"), headers(Accept_Encoding="*;q=inf, gzip;q=nan"),
                headers(Range="bytes=0-10"), headers(Range="bytes=abc"), headers(Range="bytes=10-1"),
                headers(Range="bytes=999999999-"), headers(Range="bytes=" + ",".join(["0-1"] * 500)),
                headers(Range="bytes=0-1", If_Range="garbage"))],
]
BODIES = [
    Case("/sparql", 400, "empty", QUERY, "POST"),
    Case("/sparql", 400, "UTF-8", QUERY, "POST", b"\xff\xfe"),
    Case("/sparql", 400, "UTF-8", headers(Content_Type="application/sparql-query; charset=latin-1"), "POST",
         'SELECT * WHERE { ?s ?p "\u00e9" }'.encode("latin-1")),
    Case("/sparql", 400, "UTF-8", headers(Content_Type="application/x-www-form-urlencoded; charset=latin-1"),
         "POST", b"query=ASK%7B%7D%e9"),
    Case("/sparql", 400, "UTF-8", QUERY, "POST", 'ASK { FILTER("\ud800") }'.encode("utf-8", "surrogatepass")),
    Case("/sparql", 200, "", QUERY, "POST", b'ASK { FILTER("\x00" != "") }'),
    Case("/sparql", 415, "Unsupported Media Type", (), "POST", b"ASK {}"),
    Case("/sparql", 415, "Unsupported", headers(Content_Type=""), "POST", b"ASK {}"),
    Case("/sparql", 415, "Unsupported", headers(Content_Type=";;;"), "POST", b"ASK {}"),
    Case("/sparql", 415, "text/plain", headers(Content_Type="text/plain"), "POST", b"ASK {}"),
    Case("/sparql", 415, "application/json", headers(Content_Type="application/json"), "POST", b'{"query":"ASK{}"}'),
    Case("/sparql", 415, "multipart", headers(Content_Type="multipart/form-data; boundary=x"), "POST",
         b'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nASK{}\r\n--x--\r\n'),
    Case("/sparql", 415, "Content-Encoding", (*QUERY, ("Content-Encoding", "gzip")), "POST", b"\x1f\x8b garbage",
         why="regression: a gzipped body was read as the query text"),
    Case("/sparql", 400, "read-only", headers(Content_Type="application/sparql-update"), "POST", b"INSERT DATA {}"),
    Case("/sparql", 400, "No query", FORM, "POST"), Case(ASK, 200, "", FORM, "POST"),
    Case("/sparql", 400, "No query", FORM, "POST", b"=&=&&=="),
    Case("/sparql", 400, "More than one", FORM, "POST", b"query=ASK{}&query=ASK{}"),
    Case(ASK, 400, "More than one", QUERY, "POST", b"ASK {}"),
    Case("/sparql", 413, "max_query_length", FORM, "POST", b"query=" + b"A" * (MAX_QUERY + 1)),
    Case("/sparql", 413, "max_query_length", QUERY, "POST", b"ASK {} #" + b"A" * MAX_QUERY),
    Case("/sparql", 413, "larger than", QUERY, "POST", b"#" * (BODY_LIMIT + 1)),
    Case("/sparql", 413, "larger than", QUERY, "POST", b"#" * (BODY_LIMIT + 1), chunked=True),
    Case("/sparql", 200, "", QUERY, "POST", b"ASK {}", chunked=True),
    Case("/sparql", 400, "empty", QUERY, "POST", b"", chunked=True),
    Case("/sparql", 400, "", (*QUERY, ("Content-Length", "-1")), "POST", b"ASK {}"),
    Case("/sparql", 400, "", (*QUERY, ("Content-Length", "abc")), "POST", b"ASK {}"),
    Case("/sparql", 400, "", (*QUERY, ("Content-Length", "9" * 30)), "POST", b"ASK {}"),
    Case("/sparql", 400, "", (*QUERY, ("Content-Length", "6"), ("Transfer-Encoding", "chunked")), "POST",
         b"ASK {}", why="request smuggling shape: both framings"),
]
TABLE = PATHS + QUERY_STRINGS + HEADERS + BODIES


@pytest.mark.parametrize("case", TABLE, ids=str)
def test_hand_picked_case(server: ServedProcess, case: Case) -> None:
    answer = check(send(server, case.method, case.target, case.headers, case.body, chunked=case.chunked),
                   case.method, case.target)
    if case.expect is not None:
        assert answer.status == case.expect, f"{case}: {answer.status} {answer.body[:200]!r}"
    assert case.says.encode() in answer.body, f"{case}: no {case.says!r} in {answer.body[:200]!r}"


@pytest.mark.parametrize("h", FORWARDED, ids=lambda h: repr(h)[:60])
def test_proxy_headers_never_reach_an_iri_or_a_page(server: ServedProcess, h: tuple) -> None:
    """Garbage X-Forwarded-* / Host values are ignored: the endpoint IRI stays this server's."""
    sd = get(server, "/sparql", h)
    assert sd.status == 200
    endpoints = [t.object.value for t in ox.parse(sd.body, format=ox.RdfFormat.TURTLE)
                 if t.predicate.value == "http://www.w3.org/ns/sparql-service-description#endpoint"]
    assert len(endpoints) == 1 and "<" not in endpoints[0] and "evil" not in endpoints[0], endpoints
    page = get(server, "/query", h)
    assert page.status == 200 and b"evil.example" not in page.body


def test_good_proxy_headers_still_count(server: ServedProcess) -> None:
    h = headers(X_Forwarded_Proto="https", X_Forwarded_Host="data.example.org:8443", X_Forwarded_Prefix="/kz/")
    assert b"<https://data.example.org:8443/kz/sparql>" in get(server, "/sparql", h).body


def test_a_huge_accept_header_is_refused_with_431_at_once(server: ServedProcess) -> None:
    """Headers past max_header_bytes (16 KiB) are refused before any parsing: 431, says why."""
    assert len(MANY_Q) > 16384
    start = time.monotonic()
    answer = get(server, ENTITY, headers(Accept=MANY_Q))
    assert answer.status == 431 and b"max_header_bytes" in answer.body
    assert time.monotonic() - start < 2
    big = "x" * (8 << 20)  # 8 MB, as in the attack: still one quick 431, never echoed back
    answer = get(server, ENTITY, headers(Accept=big))
    assert answer.status == 431 and len(answer.body) < 200


def test_only_the_first_media_ranges_of_accept_count(server: ServedProcess) -> None:
    """Within the size limit, at most 64 media ranges are read: a preference hidden behind 300
    others is not seen (406), and a 406 never echoes the whole header."""
    padded = ",".join(f"text/x-{i}" for i in range(300))
    answer = get(server, ENTITY, headers(Accept=padded + ",text/turtle"))
    assert answer.status == 406 and len(answer.body) < 1000
    answer = get(server, ENTITY, headers(Accept="text/x-1,text/x-2,text/turtle;q=0.5"))
    assert answer.status == 200 and answer.media_type == "text/turtle"


# --------------------------------------------------------------------------- methods

METHODS = ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "CONNECT", "OPTIONS", "POST", "HEAD"]


@pytest.mark.parametrize("route", ROUTES)
def test_every_method_on_every_route(server: ServedProcess, route: str) -> None:
    for method in METHODS:
        answer = check(send(server, method, route, headers(Content_Type="text/plain"), b"x"), method, route)
        if method == "HEAD":  # answers as GET would, which check() has judged
            continue
        expected = {"OPTIONS": 204, "POST": 415}.get(method, 405) if route.startswith("/sparql") else 405
        assert answer.status == expected, f"{method} {route}: {answer.status} {answer.body[:100]!r}"
        if answer.status == 405:
            assert method.encode() in answer.body and "GET" in answer.headers.get("allow", ""), answer.body
    for target in (b"FOO " + route.encode(), b"get " + route.encode()):  # not methods at all
        method, _, path = target.partition(b" ")
        check(send(server, method.decode(), path), method.decode(), route)


# --------------------------------------------------------------------------- hypothesis

ESCAPE = st.integers(0, 255).map(lambda b: f"%{b:02X}")
PATH_CHAR = st.one_of(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"), ESCAPE,
                      st.sampled_from(["%", "%z", "..", "/", "//", ".ttl", ".exe", "%00", "%2F", "\u00e9", "\u2603"]))


@st.composite
def paths(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(["/id/", "/id/claim/", "/", "/def", "/shapes", "/static/", "/download/",
                                   "/dumps/", "/queries/", "/article", "/query", "/sparql", "/.well-known/void"]))
    rest = "".join(draw(st.lists(PATH_CHAR, max_size=40)))
    suffix = draw(st.sampled_from(["", ".ttl", ".ttl.ttl", ".", ".exe", ".jsonld", ".html"]))
    return (prefix + rest + suffix).encode()


@HYPOTHESIS
@given(path=paths())
def test_any_path(server: ServedProcess, path: bytes) -> None:
    check(send(server, "GET", path), "GET", path)


PARAM_NAMES = st.sampled_from(["query", "format", "output", "default-graph-uri", "named-graph-uri", "example",
                               "update", "using-graph-uri", "", "%ff", "a%00"])
PARAM_VALUES = st.one_of(
    st.text(max_size=30).map(lambda t: "".join(f"%{b:02X}" for b in t.encode("utf-8", "surrogatepass"))),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=30),
    st.sampled_from(["ASK%7B%7D", "ttl", "json", "html", "garbage", "%ff%fe", "%", "%zz", "01-who-was-arrested",
                     "SELECT%20*%20WHERE%7B%3Fs%20%3Fp%20%3Fo%7D", "text/turtle", "https://w3id.org/kz-masimov/"]),
)


@HYPOTHESIS
@given(route=st.sampled_from(PATH_ROUTES),
       params=st.lists(st.tuples(PARAM_NAMES, st.sampled_from(["=", "", "=="]), PARAM_VALUES), max_size=5))
def test_any_query_string(server: ServedProcess, route: str, params: list) -> None:
    target = route + "?" + "&".join(name + sep + value for name, sep, value in params)
    check(send(server, "GET", target), "GET", target)


MEDIA_RANGE = st.builds(
    lambda t, s, q: f"{t}/{s}{q}",
    st.sampled_from(["text", "application", "*", "", "x"]),
    st.sampled_from(["html", "turtle", "ld+json", "sparql-results+json", "json", "*", "", "csv", "n-triples"]),
    st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=abc", ";q=5", ";q=-1", ";q=nan", ";q=", ";level=1;q=0.3", ";;"]),
)
HEADER_VALUE = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60),
    st.lists(MEDIA_RANGE, max_size=8).map(", ".join),
    st.sampled_from([EVIL_HOST, SCRIPT, '"><svg onload=alert(1)>', "evil.example", "https", "/prefix/",
                     "bytes=0-1", "gzip", "*", '"abc"', "Thu, 01 Jan 1970 00:00:00 GMT"]),
)
HEADER_NAMES = st.sampled_from(["Accept", "Accept-Encoding", "If-None-Match", "If-Modified-Since", "Range",
                                "If-Range", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix",
                                "Host", "Origin", "Accept-Language", "Content-Type"])


@HYPOTHESIS
@given(route=st.sampled_from(ROUTES), fields=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUE), min_size=1, max_size=4))
def test_any_headers(server: ServedProcess, route: str, fields: list) -> None:
    check(send(server, "GET", route, fields), "GET", (route, fields))


CONTENT_TYPES = st.sampled_from([
    "application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-query; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16", "APPLICATION/SPARQL-QUERY", "application/sparql-update",
    "text/plain", "", ";", "multipart/form-data", "application/sparql-query;;;charset", None])
BODY = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"ASK {}", b"query=ASK%7B%7D", b"query=%ff", b"query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D",
                     b"update=CLEAR+ALL", b"query=" + b"A" * (MAX_QUERY + 10), b"#" * (BODY_LIMIT + 10)]),
)


@HYPOTHESIS
@given(target=st.sampled_from(["/sparql", ASK, "/sparql?format=csv", "/sparql?query=%ff"]),
       content_type=CONTENT_TYPES, body=BODY, chunked=st.booleans())
def test_any_post_body(server: ServedProcess, target: str, content_type: str | None, body: bytes,
                       chunked: bool) -> None:
    fields = [] if content_type is None else [("Content-Type", content_type)]
    check(send(server, "POST", target, fields, body, chunked=chunked), "POST", (target, content_type, body[:40]))


# --------------------------------------------------------------------------- the others are not harmed


def test_a_stalled_request_does_not_block_the_others(server: ServedProcess) -> None:
    """A client that promises 100 bytes and sends 6 holds its own connection, nobody else's."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as stalled:
        stalled.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                        b"Content-Length: 100\r\n\r\nASK {}")
        start = time.monotonic()
        assert get(server, ASK).body == b'{"head":{},"boolean":true}'
        assert get(server, ENTITY).status == 200
        assert time.monotonic() - start < 5


def test_bad_requests_in_flight_do_not_harm_good_ones(server: ServedProcess) -> None:
    """Hostile cases and normal ones at the same time: every normal one answers 200."""
    bad = [c for c in TABLE if c.expect not in (None, 200)][:40]

    def hostile(case: Case) -> int:
        answer = send(server, case.method, case.target, case.headers, case.body, chunked=case.chunked)
        return check(answer, case.method, case.target).status

    def normal(i: int) -> int:
        return send(server, "GET", ASK if i % 2 else ENTITY + ".ttl").status

    with ThreadPoolExecutor(max_workers=8) as pool:
        bad_answers = pool.map(hostile, bad)
        good_answers = list(pool.map(normal, range(40)))
        assert all(status < 500 for status in bad_answers)
    assert good_answers == [200] * 40


def test_after_the_barrage_the_server_still_answers(server: ServedProcess) -> None:
    """Last in this file: the same process, a normal query and a normal page, and no error logged."""
    assert server.proc.poll() is None, "the server process died"
    assert get(server, ASK).body == b'{"head":{},"boolean":true}'
    select = "/sparql?query=SELECT%20%3Fs%20WHERE%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%203"
    answer = get(server, select, headers(Accept="text/csv"))
    assert answer.status == 200 and len(answer.body.splitlines()) == 4
    page = get(server, ENTITY, headers(Accept="text/html"))
    assert page.status == 200 and b"<title>" in page.body
    assert get(server, "/download/SHA256SUMS").status == 200
    errors = [line[:300] for line in server.log().splitlines()
              if "unhandled error" in line or TRACEBACK.search(line.encode()) or " 500 " in line]
    assert not errors, "\n".join(errors[:20])
