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

import pytest

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

    page = dist_page.open("/article", "article")
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
