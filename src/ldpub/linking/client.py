"""The Wikidata SPARQL client: a polite User-Agent, one request per interval, back-off on
429/503 honouring Retry-After, and an on-disk cache keyed by endpoint and query."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from ldpub import __version__ as _VERSION
from ldpub import ns
from ldpub.settings import default_settings

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
QID_IRI = re.compile("^" + re.escape(ns.WD) + "(Q[1-9][0-9]*)$")
QID = re.compile(r"^Q[1-9][0-9]*$")
THRESHOLD = 80  # at or above: "propose"; below: "review" (never accepted automatically)
AUTO_MARGIN = 20  # --auto-accept also needs this lead over the runner-up
LANGS = ("en", "ru", "kk")
MATCH_TYPES = {  # --match word -> the SKOS mapping property it writes
    "exact": ns.SKOS + "exactMatch",
    "close": ns.SKOS + "closeMatch",
    "related": ns.SKOS + "relatedMatch",
}

# The prefixes of every query sent to an endpoint in Wikidata's data model (its schema: is http).
PREFIXES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in [
    ("wd", ns.WD), ("wdt", ns.WDT), ("p", ns.WIKIDATA_P), ("ps", ns.WIKIDATA_PS), ("pq", ns.WIKIDATA_PQ),
    ("rdfs", ns.RDFS), ("skos", ns.SKOS), ("schema", ns.SCHEMA_HTTP),
])


def user_agent(base_iri: str | None = None) -> str:
    """Wikimedia's User-Agent policy: name/version, where to find us (the publication's base IRI,
    by default the project's), the library. $LDPUB_LINK_USER_AGENT replaces it whole."""
    return os.environ.get("LDPUB_LINK_USER_AGENT") or (
        f"ldpub/{_VERSION} (linked-data publisher; {base_iri or default_settings().base_iri}) "
        f"httpx/{httpx.__version__}"
    )


# ------------------------------------------------------------------------------------------ HTTP client


class EndpointError(RuntimeError):
    pass


class SparqlClient:
    """A polite SPARQL client: descriptive User-Agent, one request per `min_interval` seconds,
    back-off on 429/503 honouring Retry-After, and an on-disk cache keyed by endpoint + query
    so that a re-run does not ask again."""

    def __init__(
        self,
        endpoint: str,
        *,
        cache_dir: Path | None = None,
        min_interval: float = 1.0,
        max_retries: int = 5,
        max_wait: float = 300.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        base_iri: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.cache_dir = cache_dir
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0  # HTTP requests actually sent (cache hits do not count)
        self._last = 0.0
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent(base_iri), "Accept": "application/sparql-results+json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SparqlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cache_file(self, query: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _wait_turn(self) -> None:
        gap = self.min_interval - (time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = time.monotonic()

    def _send(self, query: str) -> httpx.Response:
        self._wait_turn()
        self.requests += 1
        if len(query) < 6000:
            return self._http.get(self.endpoint, params={"query": query})
        return self._http.post(self.endpoint, data={"query": query})

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT query, each {var: value} (IRIs and literal lexical forms; language in var@lang)."""
        cache = self._cache_file(query)
        if cache is not None and cache.is_file():
            return json.loads(cache.read_text(encoding="utf-8"))
        for attempt in range(self.max_retries + 1):
            try:
                resp = self._send(query)
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    raise EndpointError(f"{self.endpoint}: {exc}") from exc
                self.sleep(min(2.0**attempt, self.max_wait))
                continue
            if resp.status_code in (429, 503) and attempt < self.max_retries:
                delay = retry_after(resp.headers.get("Retry-After"))
                delay = 2.0**attempt if delay is None else delay
                if delay > self.max_wait:
                    raise EndpointError(f"{self.endpoint}: told to wait {delay:.0f}s (more than {self.max_wait:.0f}s)")
                self.sleep(delay)
                continue
            if resp.status_code != 200:
                raise EndpointError(f"{self.endpoint}: HTTP {resp.status_code}: {resp.text[:300]}")
            rows = [_flatten(b) for b in resp.json()["results"]["bindings"]]
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp")
                tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
                tmp.replace(cache)
            return rows
        raise EndpointError(f"{self.endpoint}: still refused after {self.max_retries} retries")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _flatten(binding: dict) -> dict[str, str]:
    """{var: value}, plus var@lang, var@datatype and var@type (uri | literal | bnode) where they say more."""
    row = {}
    for var, term in binding.items():
        row[var] = term["value"]
        row[f"{var}@type"] = "literal" if term["type"] == "typed-literal" else term["type"]
        for key in ("xml:lang", "datatype"):
            if term.get(key):
                row[f"{var}@{key.removeprefix('xml:')}"] = term[key]
    return row


def qid_of(iri: str) -> str:
    m = QID_IRI.match(iri)
    return m.group(1) if m else iri.rsplit("/", 1)[-1]


def chunks(items: list, size: int) -> Iterable[list]:
    """`items` in lists of at most `size` (one VALUES block per query)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
