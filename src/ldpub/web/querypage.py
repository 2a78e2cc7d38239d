"""The SPARQL query page (GET /sparql from a browser, and /query): the example queries of
data/queries/ ready to pick and a textarea that static/query.js turns into an editor (CodeMirror,
vendored under static/vendor/codemirror/ by tools/vendor-editor.sh) completing the publication's
prefixes; it posts to /sparql and draws the table. Without JavaScript the form still submits."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ldpub import ns
from ldpub.settings import Settings
from ldpub.web.render import page

DEFAULT_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {
  ?thing rdfs:label ?label .
} LIMIT 25
"""


def examples(settings: Settings) -> list[dict]:
    """The example queries: file name, question (first line '# question'), text. Read once and
    again only when the folder's mtime changes (a file added, removed or replaced)."""
    folder: Path = settings.queries_path
    try:
        mtime = folder.stat().st_mtime_ns
    except OSError:  # no such folder
        mtime = None
    return _examples(folder, mtime)


@lru_cache(maxsize=8)
def _examples(folder: Path, mtime: int | None) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0].strip()
        question = first.lstrip("#").strip() if first.startswith("#") else path.stem.replace("-", " ")
        out.append({"file": path.name, "name": path.stem, "question": question, "query": text})
    return out


def render(request: Request, settings: Settings) -> Response:
    found = examples(settings)
    chosen = request.query_params.get("example")
    query = request.query_params.get("query")
    selected = next((e for e in found if e["name"] == chosen or e["file"] == chosen), None)
    if query is None:
        query = selected["query"] if selected else (found[0]["query"] if found else DEFAULT_QUERY)
        selected = selected or (found[0] if found else None)
    return page(request, "query.html", headers={"Vary": "Accept"}, examples=found, query=query,
                selected=selected["name"] if selected else None, prefixes=ns.prefixes(settings))
