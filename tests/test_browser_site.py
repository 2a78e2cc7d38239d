"""The site in headless Chromium (Debian's /usr/bin/chromium driven by Playwright from PyPI).

Every page fails the test on a console error, an uncaught exception, a failed request, an HTTP
error answer or a JavaScript dialog (the XSS probe would open one). Screenshots go to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest

from conftest import SECOND_ARTICLE_IRI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (make sysdeps)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watched:
    """A page that records every problem a reader would not see."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        p = self.page
        p.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        p.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        p.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        p.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

        def on_dialog(dialog) -> None:
            self.problems.append(f"dialog opened ({dialog.type}): {dialog.message}")
            dialog.dismiss()

        p.on("dialog", on_dialog)

    def open(self, path: str, shot: str | None = None):
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == 200, path
        assert self.page.title().strip(), f"{path} has no title"
        if shot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
        return self.page

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def fixture_page(browser, site_server):
    watched = Watched(browser, site_server.url)
    yield watched
    watched.close()


@pytest.fixture
def dist_page(browser, dist_server):
    watched = Watched(browser, dist_server.url)
    yield watched
    watched.close()


def test_landing_entity_article_on_the_built_dataset(dist_page):
    page = dist_page.open("/", "landing")
    assert page.locator("h1").inner_text().startswith("On the rise of Karim Masimov")
    assert page.locator("table.dumps tbody tr").count() >= 5
    page.locator("table.dumps a", has_text="dataset.trig").first.wait_for()

    page = dist_page.open("/id/karim-masimov", "entity-karim-masimov")
    assert page.locator("h1").inner_text() == "Karim Masimov"
    assert page.locator(".claims .claim").count() >= 1
    assert page.locator(".claims .badge").count() >= 1
    assert page.locator("blockquote.sentence mark").count() >= 1
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert ld["@id"] == "https://w3id.org/kz-masimov/id/karim-masimov"

    page = dist_page.open("/article", "articles")  # the index; its link reaches the 2017 text
    page.locator("a.art-link", has_text="On the rise of Karim Masimov").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/article/id/article")
    assert page.locator("a.mention").count() >= 10
    assert page.locator("span.sent").count() >= 5
    assert page.locator("dl.legend .badge").count() >= 3
    first = page.locator("span.sent").first
    assert first.get_attribute("title")  # hover text: status and claim
    # follow an entity mention to its page
    page.locator("a.mention", has_text="Karim Masimov").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/id/karim-masimov")

    dist_page.open("/def", "ontology")
    assert page.locator("section.term").count() >= 10
    assert page.locator("section.shape").count() >= 1
    dist_page.assert_clean()


def test_query_page_runs_an_example(fixture_page):
    page = fixture_page.open("/sparql")  # a browser's GET /sparql is the query page
    assert page.locator("#query-app").count() == 1
    page = fixture_page.open("/query")
    page.select_option("#example", "claims-by-status")
    assert "kzm:Claim" in page.locator("#editor .cm-content").inner_text()  # the editor shows the example
    assert "kzm:Claim" in page.input_value("#query")  # and the form's (hidden) textarea has it too
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 5
    link = rows.first.locator("a").first
    assert link.get_attribute("href") == "/id/claim/c01"  # root-relative: no header can choose the host
    assert page.locator("#dl-csv").get_attribute("href").startswith("blob:")
    assert "5 results" in page.locator("#status").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "query.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#dl-csv")
    csv = Path(download.value.path()).read_text()
    assert csv.splitlines()[0] == "claim,label,status" and len(csv.splitlines()) == 6
    link.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().startswith("CNS announced")
    fixture_page.assert_clean()


def test_every_example_query_runs_in_the_browser(dist_page):
    page = dist_page.open("/query")
    names = [o.get_attribute("value") for o in page.locator("#example option").all()]
    assert names, "no example queries in data/queries/"
    for name in names:
        page.select_option("#example", name)
        page.click("#run")
        page.wait_for_function("""() => document.querySelector('#results').children.length > 0
                                   || !document.getElementById('error').hidden""")
        assert page.locator("#error").is_hidden(), (name, page.locator("#error").inner_text())
        if page.locator("table.results").count():
            assert page.locator("table.results thead th").count() >= 1, name
    page.screenshot(path=str(ARTIFACTS / "query-last-example.png"), full_page=True)
    dist_page.assert_clean()


def selected_completion(page):
    """The completion the editor would accept now (CodeMirror's list, the selected item). Enter
    and Tab accept only once the list has stood still for its interactionDelay (75 ms: a list
    that changed under a key press is not taken), which a person's reaction time always gives."""
    option = page.locator(".cm-tooltip-autocomplete li[aria-selected=true]")
    option.wait_for()
    page.wait_for_timeout(250)
    return option


def length_column(page) -> list[int]:
    """The ?length column of the table's current page ("12 integer": value and datatype)."""
    return [int(t.split()[0]) for t in page.locator("table.results tbody td:nth-child(4)").all_inner_texts()]


def test_query_editor_completes_runs_sorts_and_pages(fixture_page, site_server):
    """Issue 9.13: type a query with the keyboard, accepting prefix completions, run it, read the
    table, sort a column both ways and page through it."""
    page = fixture_page.open("/query?query=")
    editor = page.locator("#editor .cm-content")
    assert page.locator("#query").is_hidden() and editor.inner_text().strip() == ""
    # CodeMirror's rules come from the vendored stylesheet, none is injected (the CSP forbids it):
    assert page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).display") == "flex"
    assert page.locator("style").count() == 0
    editor.click()
    page.keyboard.type("PREFIX sko")  # after PREFIX: the publication's prefixes, as declarations
    assert selected_completion(page).inner_text().startswith("skos:")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("SELECT ?s ?p ?o (STRLEN(STR(?o)) AS ?length) WHERE { ?s ?p ?o OPTIONAL { ?s rdfs")
    assert selected_completion(page).inner_text().startswith("rdfs:")
    page.keyboard.press("Tab")  # accepting a prefix in the body declares it too
    page.keyboard.type("label ?label ")
    page.keyboard.press("Escape")
    lines = editor.inner_text().splitlines()
    assert lines[:2] == ["PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
                         "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"], lines
    assert lines[2].startswith("SELECT ?s ?p ?o (STRLEN(STR(?o)) AS ?length) WHERE {"), lines
    assert "?s rdfs:label ?label" in lines[2] and lines[2].rstrip().endswith("}}"), lines  # brackets closed
    assert page.locator(".tok-keyword", has_text="SELECT").count() == 1  # highlighted
    query = editor.inner_text()
    assert page.input_value("#query") == query  # the form's textarea follows the editor

    page.keyboard.press("Control+Enter")  # runs the query from the editor
    page.wait_for_selector("table.results tbody tr")
    answer = httpx.post(site_server.url + "/sparql", data={"query": query},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    lengths = [int(b["length"]["value"]) for b in answer.json()["results"]["bindings"]]
    total = len(lengths)
    assert total > 100
    assert page.locator("#status").inner_text() == f"{total} results"
    assert page.locator("table.results thead th").all_inner_texts() == ["?s", "?p", "?o", "?length"]
    assert page.locator("table.results tbody tr").count() == 50
    assert page.locator("#page-info").inner_text() == f"rows 1–50 of {total} · page 1 of {-(-total // 50)}"
    assert page.locator("#prev-page").is_disabled()
    first = page.locator("table.results tbody tr").first.locator("a").first
    assert first.get_attribute("href").startswith("/")  # our IRIs link to our pages, root-relative

    header = page.locator("table.results thead th", has_text="?length")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert length_column(page) == sorted(lengths)[:50]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    descending = sorted(lengths, reverse=True)
    assert length_column(page) == descending[:50]
    page.click("#next-page")
    assert page.locator("#page-info").inner_text().startswith(f"rows 51–100 of {total} · page 2 of")
    assert length_column(page) == descending[50:100]
    while page.locator("#next-page").is_enabled():
        page.click("#next-page")
    last = total - 50 * ((total - 1) // 50)
    assert page.locator("table.results tbody tr").count() == last
    assert length_column(page) == descending[total - last:]
    page.click("#prev-page")
    assert page.locator("table.results tbody tr").count() == 50
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "query-editor.png"), full_page=True)

    with page.expect_download() as download:  # the download keeps every row, in the endpoint's order
        page.click("#dl-csv")
    csv = Path(download.value.path()).read_text().splitlines()
    assert csv[0] == "s,p,o,length" and len(csv) == total + 1
    fixture_page.assert_clean()


def test_query_page_without_javascript_submits_the_form(browser, site_server):
    """The <noscript> path: the textarea is the editor and the form sends the query to /sparql."""
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(site_server.url + "/query?example=claims-by-status")
        assert page.locator("#query").is_visible() and page.locator(".cm-editor").count() == 0
        assert "kzm:Claim" in page.input_value("#query")
        with page.expect_download() as download:  # a machine format: the browser saves it
            page.click("#run")
        assert download.value.url.startswith(site_server.url + "/sparql?")
        assert "sparql-results#" in Path(download.value.path()).read_text()
    finally:
        context.close()


def test_hostile_labels_never_run(fixture_page):
    page = fixture_page.open("/id/xss-probe", "xss-probe")
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    assert "</script><script>alert(2)</script>" in page.locator("p.alt").inner_text()
    page = fixture_page.open("/")
    assert page.locator("a", has_text="<script>alert(1)</script>").count() >= 1
    page = fixture_page.open("/query?example=labels")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("td", has_text="<img src=x onerror=alert(3)>").count() == 0  # not a label
    assert page.locator("td", has_text="<script>alert(1)</script>").count() >= 1
    page.wait_for_timeout(200)
    page = fixture_page.open("/query?query=" + quote('SELECT (IRI("javascript:alert(1)") AS ?x) {}'))
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("td", has_text="javascript:alert(1)").count() == 1
    assert page.locator('a[href^="javascript:" i]').count() == 0
    page = fixture_page.open("/id/xss-probe", "xss-probe")
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator('span.iri-text[title="javascript:alert(4)"]').count() >= 1
    fixture_page.assert_clean()


@pytest.mark.skipif(shutil.which("rapper") is None, reason="needs rapper (raptor2-utils)")
def test_rapper_parses_the_negotiated_turtle(site_server):
    for path in ("/id/karim-masimov", "/id/claim/c04", "/def"):
        done = subprocess.run(["rapper", "-i", "turtle", "-c", site_server.url + path],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert "returned 0 triples" not in done.stderr and "returned" in done.stderr


# ---------------------------------------------------------------- issue 11: two articles, status colours as data
@pytest.fixture
def two_articles_page(browser, two_articles_server):
    watched = Watched(browser, two_articles_server.url)
    yield watched
    watched.close()


def rgb(hex_colour: str) -> str:
    """'#2e7d32' as the browser's computed 'rgb(46, 125, 50)'."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


FALLBACK = rgb("#757575")  # site.css: --st's initial value


def test_status_colours_come_from_the_data_with_a_fallback(two_articles_page, two_articles):
    """Each status badge is drawn in the status's kzm:statusColour from the served data; a status
    without one (the fixture's test-uncoloured) in the fallback grey. Then the second article's text
    in Chromium: its claims' badges in their statuses' colours, and the index leads back to 2017."""
    store = ox.Store()
    store.bulk_load(path=str(two_articles.build.out_dir / "dataset.trig"), format=ox.RdfFormat.TRIG)
    colours = {r["s"].value.rsplit("/", 1)[1]: (r["c"].value if r["c"] else None) for r in store.query(
        "SELECT ?s ?c WHERE { ?s <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/kz-masimov/id/status> "
        "OPTIONAL { ?s <https://w3id.org/kz-masimov/def#statusColour> ?c } }")}
    assert colours["test-uncoloured"] is None and sum(c is not None for c in colours.values()) >= 9

    page = two_articles_page.open("/def", "statuses-def")
    for slug, colour in colours.items():
        badge = page.locator(f"dl.legend .badge.st-{slug}").first
        drawn = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert drawn == (rgb(colour) if colour else FALLBACK), slug

    second = SECOND_ARTICLE_IRI.removeprefix("https://w3id.org/kz-masimov/")
    page = two_articles_page.open(f"/article/{second}", "second-article")
    own = {r["c"].value for r in store.query(
        "SELECT ?c WHERE { ?c <https://w3id.org/kz-masimov/def#evidence>/<http://www.w3.org/ns/oa#hasSource> "
        f"<{SECOND_ARTICLE_IRI}> }}")}
    badges = page.locator("a.badge.mini")
    assert len(own) >= 6 and badges.count() == len(own)
    for i in range(badges.count()):
        slug = next(c[3:] for c in badges.nth(i).get_attribute("class").split() if c.startswith("st-"))
        assert badges.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") == rgb(colours[slug]), slug
        assert "https://w3id.org/kz-masimov" + badges.nth(i).get_attribute("href") in own
    tinted = page.locator("span.sent").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert tinted not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    page.locator("header.top nav a", has_text="Articles").click()
    page.wait_for_load_state("load")
    page.locator("a.art-link", has_text="On the rise of Karim Masimov").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/article/id/article")
    drawn = {"https://w3id.org/kz-masimov" + page.locator("a.badge.mini").nth(i).get_attribute("href")
             for i in range(page.locator("a.badge.mini").count())}
    assert drawn and not drawn & own
    two_articles_page.assert_clean()
