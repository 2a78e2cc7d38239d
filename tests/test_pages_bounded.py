"""Issue 12.3: a page costs work bounded by what it shows, not by the dataset. A Site over ~200,000
synthetic quads (bench/synth.py) reads through a LocalSource that counts every quad it hands out;
each page may touch a fixed number of them, whatever the size (the same pages over 20,000 quads
touch about as many). No clock: the count is the measure."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from conftest import ROOT, SITE_FIXTURE, site_client
from ldpub.site.describe import describe
from ldpub.site.model import Site
from ldpub.site.source import LocalSource, subject_index
from ldpub.site.views.article import article_view
from ldpub.site.views.entity import entity_view
from ldpub.site.views.landing import landing_view
from ldpub.store import SUBJECTS_FILE, SubjectIndex, subject_iris, write_subject_index

BASE = "https://w3id.org/kz-masimov/"
ID = BASE + "id/synth/"


class Counting(LocalSource):
    """The real local source, counting the quads it returns (and the lookups)."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.quads = self.lookups = 0

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None,
                          limit: int | None = None) -> Iterator[ox.Quad]:
        self.lookups += 1
        for quad in super().quads_for_pattern(s, p, o, g, limit):
            self.quads += 1
            yield quad


def synthetic_site(folder: Path, triples: int) -> tuple[Site, Counting, int]:
    subprocess.run([sys.executable, ROOT / "bench" / "synth.py", "--triples", str(triples), "--out", folder / "synth",
                    "--text-prefix", "synth/articles/"], check=True, capture_output=True)
    store = ox.Store()
    store.bulk_load(path=str(folder / "synth" / "synth.trig"), format=ox.RdfFormat.TRIG)
    source = Counting(store)
    index = subject_index(source, BASE)  # at start (or at load), not per page
    site = Site(source, BASE, folder, index=index, page_size=50)
    return site, source, len(store)


def page_costs(site: Site, source: Counting) -> dict[str, int]:
    """Quads touched by each page, each on a Site whose caches are cold."""
    pages = {
        "entity": lambda: entity_view(site, ID + "person-3"),
        "hub entity (a place named by a tenth of the claims)": lambda: entity_view(site, ID + "place-0"),
        "describe": lambda: describe(site, ID + "person-3"),
        "claim": lambda: entity_view(site, BASE + "id/claim/s7"),
        "article": lambda: article_view(site, "id/synth/article-1"),
        "404": lambda: (site.exists(ID + "person-3x"), site.near_subjects(ID + "person-3x")),
        "landing": lambda: landing_view(site, "T"),
    }
    costs = {}
    for name, build in pages.items():
        site.lookups.items.clear()
        source.quads = 0
        assert build(), name
        costs[name] = source.quads
    return costs


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, int]:
    site, source, size = synthetic_site(tmp_path_factory.mktemp("synth-small"), 20_000)
    assert size > 15_000
    return page_costs(site, source)


def test_pages_touch_a_bounded_number_of_quads_at_any_size(tmp_path, small):
    site, source, size = synthetic_site(tmp_path, 200_000)
    assert size > 180_000, size
    assert site.exists(ID + "person-3") and not site.exists(ID + "person-3x")
    costs = page_costs(site, source)
    for name, touched in costs.items():
        # Today's main read every label, status and subject of the store for the first page: > size.
        assert touched <= 10_000, f"{name}: {touched} quads touched of {size}"
        # Ten times the data, about the same work (the hub grows with the data up to its caps).
        assert touched <= 3 * small[name] + 2_000, f"{name}: {touched} at 200k, {small[name]} at 20k"


def test_the_subject_index_is_searched_in_place_in_memory_and_mapped(tmp_path):
    """The same answers from the bytes and from the file mapped with mmap (never split into a list)."""
    iris = [f"{BASE}id/thing-{i:05d}" for i in range(0, 3000, 3)] + [f"{BASE}id/claim/c{i}" for i in range(50)]
    in_memory = SubjectIndex.of(reversed(iris))
    in_memory.write(tmp_path / SUBJECTS_FILE)
    mapped = SubjectIndex.open(tmp_path / SUBJECTS_FILE)
    assert mapped is not None and not isinstance(mapped.data, bytes)
    ordered = sorted(iris)
    for index in (in_memory, mapped):
        assert index.after("", 3) == ordered[:3]
        assert index.after(f"{BASE}id/thing-00004", 2) == [f"{BASE}id/thing-00006", f"{BASE}id/thing-00009"]
        assert index.after(f"{BASE}id/thing-00006", 1) == [f"{BASE}id/thing-00009"]  # strictly after
        assert index.before(f"{BASE}id/thing-00006", 2) == [f"{BASE}id/thing-00000", f"{BASE}id/thing-00003"]
        assert index.after(ordered[-1], 5) == [] and index.before(ordered[0], 5) == []
        assert f"{BASE}id/thing-00300" in index and f"{BASE}id/thing-00301" not in index
        assert len(index.near(f"{BASE}id/thing-01500x", 10)) == 10
    assert SubjectIndex.open(tmp_path / "none.txt") is None


def browse_links(html: str) -> list[str]:
    return [href for block in re.findall(r'<p class="browse">(.*?)</p>', html, re.S)
            for href in re.findall(r'href="([^"]+)"', block)]


def test_the_landing_pages_through_every_subject_once():
    """With 5 subjects a page, following rel=next lists each subject the one-page landing lists, once."""
    everything = browse_links(site_client([SITE_FIXTURE], page_size=1000).get("/").text)
    assert len(everything) > 12
    client = site_client([SITE_FIXTURE], page_size=5)
    seen, url, pages = [], "/", 0
    while url:
        html = client.get(url).text
        shown = browse_links(html)
        assert len(shown) <= 5
        seen += shown
        pages += 1
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = html_lib.unescape(nxt.group(1)).split("#")[0] if nxt else ""
        assert pages < 100
    assert sorted(seen) == sorted(everything) and len(set(seen)) == len(seen)
    assert client.get("/", params={"after": "x" * 5000}).status_code == 400


def test_a_claim_reads_its_status_and_article_from_what_the_page_has_and_its_position_in_three_lookups(tmp_path):
    """A claim's status comes from the quads read for its label; whether an IRI is an article from
    the kept list of articles; its position from one lookup of its evidence and one per selector
    (#quote, #position): 3, where it was 6 (status, evidence, selectors, each selector, source)."""
    site, source, _ = synthetic_site(tmp_path, 2_000)
    claim = BASE + "id/claim/s7"
    assert site.articles and site.about(claim)
    before = source.lookups
    assert site.status_of(claim) == BASE + "id/status/reported-fact"
    assert site.article(claim) is None
    assert source.lookups == before
    selector = site.selector(claim)
    assert selector is not None and selector.source == ID + "article-0" and selector.end > selector.start
    assert source.lookups == before + 3


def test_the_subject_index_written_in_sorted_runs_is_the_one_sorted_in_memory(tmp_path):
    """`ldpub load` sorts the index in runs merged from disk: the same file, whatever the run size."""
    store = ox.Store()
    for i in range(500):
        s = ox.NamedNode(f"{BASE}id/thing-{(i * 7919) % 300}")  # each subject several times, out of order
        store.add(ox.Quad(s, ox.NamedNode(f"{BASE}def#p"), ox.Literal(str(i)),
                          ox.NamedNode(f"{BASE}id/claim/c{i % 40}") if i % 3 else ox.DefaultGraph()))
    store.add(ox.Quad(ox.NamedNode(f"{BASE}id/thing-1#part"), ox.NamedNode(f"{BASE}def#p"), ox.Literal("x")))
    store.add(ox.Quad(ox.NamedNode("https://example.org/elsewhere"), ox.NamedNode(f"{BASE}def#p"), ox.Literal("x")))
    whole = SubjectIndex.of(subject_iris([store], BASE))
    assert whole.data.count(b"\n") == 300 + 40 and b"#" not in whole.data  # subjects and graph names, no hash IRI
    for run_size in (1, 7, 1000):
        write_subject_index([store], tmp_path, BASE, run_size)
        assert (tmp_path / SUBJECTS_FILE).read_bytes() == whole.data, run_size
    assert sorted(p.name for p in tmp_path.iterdir()) == [SUBJECTS_FILE]  # no run left behind
