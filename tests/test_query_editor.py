"""The query page's vendored editor (issue 9, item 13), without a browser: what `make vendor`
(tools/vendor-editor.sh) committed agrees with its pins, carries its licences, fetches nothing
from the network, ships in the package, and the page loads it under the site's CSP. The editor
in use (typing, completion, the table) is tested in test_browser_site.py."""

from __future__ import annotations

import fnmatch
import html.parser
import json
import re
import tomllib

import pytest

from conftest import ROOT, SITE_FIXTURE, site_client
from ldpub import ns
from ldpub.settings import load_settings

STATIC = ROOT / "src" / "ldpub" / "static"
VENDOR = STATIC / "vendor" / "codemirror"
EDITOR = ROOT / "tools" / "editor"
BUNDLE, CSS, LICENCES = VENDOR / "codemirror.min.js", VENDOR / "codemirror.css", VENDOR / "LICENSES.txt"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def lock() -> dict[str, str]:
    """Package name -> version, as package-lock.json pins them."""
    packages = json.loads((EDITOR / "package-lock.json").read_text())["packages"]
    return {path.rsplit("node_modules/", 1)[1]: meta["version"] for path, meta in packages.items() if path}


def test_versions_are_pinned_and_locked():
    wanted = json.loads((EDITOR / "package.json").read_text())["devDependencies"]
    locked = lock()
    packages = json.loads((EDITOR / "package-lock.json").read_text())["packages"]
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned to one version: {version}"
        assert locked[name] == version, name
    for path, meta in packages.items():
        if path:
            assert meta.get("integrity", "").startswith("sha512-"), path


def test_licences_name_every_bundled_package_at_its_locked_version():
    text = LICENCES.read_text()
    headers = re.findall(r"^=+\n(\S+) (\S+) \((.+)\)\n=+$", text, re.M)
    assert len(headers) >= 10
    locked = lock()
    for name, version, licence in headers:
        assert locked.get(name) == version, name
        assert licence == "MIT", name  # all of them today; another licence needs a look first
        assert "Permission is hereby granted" in text.split(f"{name} {version}", 1)[1].split("\n=", 2)[1]
    assert {"@codemirror/view", "@codemirror/state", "@codemirror/autocomplete", "@codemirror/legacy-modes",
            "@codemirror/language", "@codemirror/commands", "@lezer/highlight"} <= {h[0] for h in headers}
    assert BUNDLE.read_text().startswith("/*! CodeMirror 6 for ldpub's query page")


def test_bundle_is_small_and_fetches_nothing():
    assert BUNDLE.stat().st_size < 400_000
    assert CSS.stat().st_size < 40_000
    js = BUNDLE.read_text()
    # the only URL in the bundle is SVG's namespace (a name, never fetched)
    assert set(re.findall(r"https?://[^\s\"'`)]+", js)) <= {"http://www.w3.org/2000/svg"}
    for pattern in ("import(", "importScripts", "XMLHttpRequest", "fetch(", "WebSocket", "sourceMappingURL"):
        assert pattern not in js, pattern
    css = CSS.read_text()
    assert "@import" not in css
    assert all(url.startswith(("'data:", '"data:', "data:")) for url in re.findall(r"url\(([^)]*)", css))
    assert ".cm-scroller" in css and ".cm-tooltip-autocomplete" in css  # what CodeMirror would inject


def test_the_page_uses_only_what_the_bundle_exports():
    """query.js reaches CodeMirror through the global LdpubCM (as CM.name); each name must be
    exported by tools/editor/src/entry.js and present in the built bundle (not a stale build)."""
    used = set(re.findall(r"\bCM\.([A-Za-z]\w*)", (STATIC / "query.js").read_text()))
    entry = (EDITOR / "src" / "entry.js").read_text()
    exported = set(re.findall(r"\b([A-Za-z]\w*)\b", " ".join(re.findall(r"export \{([^}]*)\}", entry))))
    js = BUNDLE.read_text()
    assert used and used <= exported, used - exported
    for name in used:
        assert re.search(rf"\b{name}:\(\)=>", js), name


def test_the_vendored_files_ship_in_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["ldpub"]
    for path in VENDOR.iterdir():  # a setuptools glob's * stays inside one folder
        relative = path.relative_to(ROOT / "src" / "ldpub").as_posix()
        assert any(fnmatch.fnmatch(relative, g) for g in globs if g.count("/") == relative.count("/")), relative


class Assets(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.styles: list[str] = []
        self.app: dict = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"])
        elif a.get("id") == "query-app":
            self.app = a
        assert tag != "style" and "style" not in a, f"inline style on <{tag}>"


@pytest.fixture(scope="module")
def client():
    return site_client([SITE_FIXTURE], data_dir=str(SITE_FIXTURE.parent))


def test_query_page_loads_the_editor_from_self_under_the_csp(client):
    page = client.get("/query")
    assert page.headers["content-security-policy"] == CSP  # unchanged: no nonce, no 'unsafe-inline'
    assets = Assets()
    assets.feed(page.text)
    srcs = [s["src"] for s in assets.scripts]
    assert srcs == ["/static/vendor/codemirror/codemirror.min.js", "/static/query.js"]
    assert all("defer" in s for s in assets.scripts)  # in this order, after the document
    assert "/static/vendor/codemirror/codemirror.css" in assets.styles
    for url, kind in [(srcs[0], "text/javascript"), (srcs[1], "text/javascript"),
                      ("/static/vendor/codemirror/codemirror.css", "text/css")]:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind), url
    # the publication's prefixes, for completion, as JSON in a data attribute
    settings = load_settings(ROOT, data_dir=str(SITE_FIXTURE.parent))
    assert json.loads(assets.app["data-prefixes"]) == ns.prefixes(settings)
    assert "<noscript>" in page.text and 'action="/sparql"' in page.text and '<textarea id="query" name="query"' in page.text


def test_prefixes_cannot_break_out_of_their_attribute(client, monkeypatch):
    """A namespace IRI is data: quotes and markup in it stay inside the attribute's JSON."""
    hostile = {"x": "http://example.org/'><script>alert(1)</script>#"}
    monkeypatch.setattr(ns, "prefixes", lambda settings: hostile)
    text = client.get("/query").text
    assets = Assets()
    assets.feed(text)
    assert json.loads(assets.app["data-prefixes"]) == hostile
    assert [s.get("src") for s in assets.scripts] == ["/static/vendor/codemirror/codemirror.min.js", "/static/query.js"]
