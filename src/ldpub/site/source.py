"""Where the pages read the data: one small interface, `Source`, over the served store, so that every
page is made of bounded lookups (quads about an IRI, quads with an IRI as object, the labels of a few
IRIs) and never of a scan of the dataset. Two implementations: `LocalSource` (pyoxigraph, in memory
or on disk: a bound subject, object or graph is an index lookup) and `RemoteSource` (the same
lookups as small SPARQL SELECTs to a remote store, through ldpub.remote).

Also the subject index of a source (`subject_index`, see ldpub.store.SubjectIndex) and the LRU
that bounds every cache of the pages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import islice
from typing import Any, Protocol, TypeVar

import httpx
import pyoxigraph as ox

from ldpub.remote import RemoteStore
from ldpub.settings import Settings
from ldpub.store import SubjectIndex, subject_iris

T = TypeVar("T")
Graph = ox.NamedNode | ox.DefaultGraph | None
# The most rows one remote lookup asks for (a page's lookups bind an IRI: far fewer in practice).
LOOKUP_CAP = 10_000


class Quads(Protocol):
    """Anything with pyoxigraph's quads_for_pattern (a Store, or a Source)."""

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None, /) -> Iterator[ox.Quad]: ...


class Source(Protocol):
    """What the pages ask of the store. Patterns bind a subject, an object or a graph (index
    lookups); a pattern that binds only a predicate is allowed for vocabulary-sized answers (the
    articles' kzm:textFile, rdfs:subPropertyOf) and is cut at `limit` like every other."""

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
                          limit: int | None = None) -> Iterator[ox.Quad]: ...

    def subject_iris(self, prefix: str) -> Iterator[str]:
        """Every IRI starting with `prefix` used as a subject or graph name (building the index)."""
        ...


class LocalSource:
    """A pyoxigraph store (and the companion stores beside it: shapes, VoID), each quad once."""

    def __init__(self, store: ox.Store, extra: Iterable[ox.Store] = ()) -> None:
        self.store = store
        self.extra = [s for s in extra if s is not store]

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
                          limit: int | None = None) -> Iterator[ox.Quad]:
        found: Iterator[ox.Quad] = self._all(s, p, o, g)
        return islice(found, limit) if limit is not None else found

    def _all(self, s: Any, p: Any, o: Any, g: Any) -> Iterator[ox.Quad]:
        yield from self.store.quads_for_pattern(s, p, o, g)
        # The companions are small: a quad of theirs is checked against the stores before it.
        for i, store in enumerate(self.extra):
            for quad in store.quads_for_pattern(s, p, o, g):
                if quad not in self.store and not any(quad in other for other in self.extra[:i]):
                    yield quad

    def subject_iris(self, prefix: str) -> Iterator[str]:
        return subject_iris((self.store, *self.extra), prefix)


def _sparql_term(term: Any, var: str) -> str:
    return str(term) if term is not None else f"?{var}"


class RemoteSource:
    """The same lookups over a remote SPARQL store: one SELECT each, cut at `limit` (LOOKUP_CAP
    when none is given). Blank nodes cannot be named in a query, so a
    pattern with a blank node finds nothing here (the modelling rule is: no blank nodes). Quads in
    graphs the statistics do not list (Virtuoso's own, ldpub's metadata graph) are left out; with
    `store_default_graph` (Virtuoso) our default graph is the graph <base>graph/default."""

    def __init__(self, settings: Settings, url: str, graph_names: Iterable[str]) -> None:
        self.remote = RemoteStore(settings, url)
        self.graph_names = frozenset(graph_names)
        self.default_graph = settings.iris.store_default_graph if settings.store_default_graph else None
        self.cap = LOOKUP_CAP
        self.metadata_graph = settings.iris.store_metadata
        self.local = threading.local()  # one HTTP client per thread (pages run in the thread pool)

    def _client(self) -> httpx.Client:
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = self.remote.client()
        return client

    def _default(self, body: str) -> str:
        return f"GRAPH <{self.default_graph}> {{ {body} }}" if self.default_graph else body

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
                          limit: int | None = None) -> Iterator[ox.Quad]:
        if any(isinstance(t, ox.BlankNode) for t in (s, o)):
            return iter(())
        body = f"{_sparql_term(s, 's')} {_sparql_term(p, 'p')} {_sparql_term(o, 'o')} ."
        limit = min(limit, self.cap) if limit is not None else self.cap
        if isinstance(g, ox.DefaultGraph):
            where = self._default(body)
        elif isinstance(g, ox.NamedNode):
            where = f"GRAPH {g} {{ {body} }}"
        elif self.default_graph:
            where = f"GRAPH ?g {{ {body} }}"
        else:
            where = f"{{ {body} }} UNION {{ GRAPH ?g {{ {body} }} }}"
        rows = self.remote.select(self._client(), f"SELECT * WHERE {{ {where} }} LIMIT {limit}")
        return self._quads(rows, s, p, o, g)

    def _quads(self, rows: list[dict[str, Any]], s: Any, p: Any, o: Any, g: Any) -> Iterator[ox.Quad]:
        for row in rows:
            graph = g if g is not None else row.get("g", ox.DefaultGraph())
            if isinstance(graph, ox.NamedNode) and graph.value == self.default_graph:
                graph = ox.DefaultGraph()
            elif isinstance(graph, ox.NamedNode) and graph.value not in self.graph_names:
                continue
            subject, predicate = s or row["s"], p or row["p"]
            if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
                continue
            yield ox.Quad(subject, predicate, o or row["o"], graph)

    def subject_iris(self, prefix: str) -> Iterator[str]:
        pattern = self._default("?s ?p ?o")
        query = (f"SELECT DISTINCT ?s WHERE {{ {{ {pattern} }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} "
                 f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {ox.Literal(prefix)})) }}")
        ours = {self.metadata_graph, self.default_graph}  # ldpub's own graphs there, not the data's
        with self.remote.client() as client:  # once, at start: its connection is not kept
            rows = self.remote.select(client, query)
        for row in rows:
            if row["s"].value not in ours:
                yield row["s"].value
        yield from (g for g in self.graph_names if g.startswith(prefix))


class CombinedSource:
    """A remote source and the companion files read locally beside it (shapes, VoID)."""

    def __init__(self, source: Source, extra: Iterable[ox.Store]) -> None:
        self.source = source
        self.extra = LocalSource(ox.Store(), extra)

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
                          limit: int | None = None) -> Iterator[ox.Quad]:
        seen: set[ox.Quad] = set()
        for quad in (*self.source.quads_for_pattern(s, p, o, g, limit=limit),
                     *self.extra.quads_for_pattern(s, p, o, g, limit=limit)):
            if quad not in seen:
                seen.add(quad)
                yield quad
                if limit is not None and len(seen) >= limit:
                    return

    def subject_iris(self, prefix: str) -> Iterator[str]:
        yield from self.source.subject_iris(prefix)
        yield from self.extra.subject_iris(prefix)


class Lru:
    """A memo of at most `size` values, the least recently used dropped first. Page routes run in
    the thread pool: the lock guards the order; two threads may build the same value (harmless)."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def __len__(self) -> int:
        return len(self.items)

    def memoised(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept under `key`, built on a miss (None is never kept: it is built again)."""
        value = self.get(key)
        if value is None:
            value = build()
            if value is not None:
                self.put(key, value)
        return value


def subject_index(source: Source, prefix: str) -> SubjectIndex:
    """The index of our subjects, by one pass."""
    return SubjectIndex.of(source.subject_iris(prefix))

