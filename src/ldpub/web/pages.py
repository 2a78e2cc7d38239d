"""Routes of the linked-data site (thin: the views live in ldpub.site, rendering and caching in
web/render.py, files in web/downloads.py).

URL scheme (the canonical base IRI maps to this server's own URL):
  /                      dataset landing page (RDF: the dataset description)
  /article               the index of the articles (the first article's old link lands here)
  /article/<path>        the text of the article <base><path>, mentions linked, its claims marked
  /statuses.css          the status colours, from the data (kzm:statusColour)
  /query                 SPARQL editor (also GET /sparql from a browser)
  /id/<path>[.ext]       entities, claims, statuses, the article, the dataset
  /def[.ext], /shapes[.ext]   the ontology and the SHACL shapes (hash IRIs: /def#Term)
  /<any other path>[.ext]     any other IRI under the base (graph names …); else a 404
  /download/<file>       the dumps of dist/ (also /dumps/<file>)
  /static/<file>         CSS, the query page's script and its vendored editor (StaticFiles)

Dereferencing: 200 with content negotiation at the IRI itself (no 303), Vary: Accept and a
Content-Location naming the format-specific document (/id/cns.ttl). See README.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ldpub import formats, ns
from ldpub.errors import BadRequest, NotFound
from ldpub.formats import HTML, PAGE_TYPES, TURTLE
from ldpub.iris import STATUS_CSS
from ldpub.rdf import rdf_answer
from ldpub.site.describe import describe
from ldpub.site.model import Site
from ldpub.site.statuses import status_stylesheet
from ldpub.site.views import PAGES, Page
from ldpub.site.views.entity import entity_view
from ldpub.site.views.landing import landing_view
from ldpub.site.views.ontology import ontology_view
from ldpub.site.wikidata import wikidata_comparison
from ldpub.web import downloads, negotiation, querypage
from ldpub.web.render import iri_path, page, settings_of, site_of, urls, validated

router = APIRouter()
MAX_CURSOR = 4096  # characters of the landing page's `after` cursor (an IRI)
GET = ["GET", "HEAD"]

# Suffix <-> media type of a page: HTML first (the default for */*), then the RDF formats.
SUFFIX = {media: formats.BY_MEDIA_TYPE[media].suffix for media in PAGE_TYPES}
BY_SUFFIX = {suffix: media for media, suffix in SUFFIX.items()}


def split_suffix(site: Site, local: str) -> tuple[str, str | None]:
    """('id/cns', 'text/turtle') for 'id/cns.ttl' — unless 'id/cns.ttl' is itself an IRI."""
    stem, dot, ext = local.rpartition(".")
    if dot and ext in BY_SUFFIX and "/" not in ext and not site.exists(site.iris.iri_of_path(local)):
        return stem, BY_SUFFIX[ext]
    return local, None


def serialize(request: Request, quads: list[ox.Quad], media: str) -> bytes:
    """Quads keep their graphs in TriG, N-Quads and JSON-LD; the triple formats carry the
    default graph only (what the dataset asserts), never a flattened claim graph. Sorted, so
    equal data gives equal bytes (and equal ETags)."""
    settings = settings_of(request)
    body = rdf_answer(quads, media, ns.prefixes(settings), ns.context_document(settings))
    graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
    if graphs and not formats.carries_graphs(media):
        body = graphs_note(body, media, graphs)
    return body


def graphs_note(body: bytes, media: str, graphs: list[str]) -> bytes:
    """A comment saying which claim graphs a triple format leaves out (comments stay valid RDF)."""
    note = ("Triples asserted only inside claim graphs are not in this triple format; "
            "ask for TriG, N-Quads or JSON-LD to get them with their graphs: " + " ".join(graphs))
    note = note.replace("--", "- -").replace("\n", " ")
    if media == "application/rdf+xml":
        head, sep, rest = body.partition(b"?>")
        return head + sep + f"\n<!-- {note} -->".encode() + rest if sep else body
    return f"# {note}\n".encode() + body


def alternates(url: str, chosen: str | None) -> dict[str, str]:
    """Link (alternate formats, describedby), Content-Location and Vary for a negotiated document."""
    links = [f'<{url}.{suffix}>; rel="alternate"; type="{media}"' for media, suffix in SUFFIX.items()]
    links.append(f'<{url}.ttl>; rel="describedby"; type="{TURTLE}"')
    headers = {"Link": ", ".join(links), "Vary": "Accept"}
    if chosen:
        headers["Content-Location"] = f"{url}.{SUFFIX[chosen]}"
    return headers


def negotiate(request: Request) -> str:
    """The page format the client wants (NotAcceptable when none is offered)."""
    return negotiation.negotiate(request.headers.get("accept"), request.query_params.get("format"), PAGE_TYPES)


def document(request: Request) -> Response:
    """Dereference the IRI the URL names (an entity, claim, /def, /shapes …) in the wanted format."""
    site = site_of(request)
    local = iri_path(request)
    try:
        ox.NamedNode(site.iris.iri_of_path(local))
    except ValueError as exc:  # e.g. a '<', '|' or a broken %-escape: no data can use that IRI
        raise BadRequest(f"Bad IRI: the path /{local} does not make a valid IRI under "
                         f"{site.base} ({exc}). Percent-encode such characters.") from None
    local, suffix_media = split_suffix(site, local)
    iri = site.iris.iri_of_path(local)
    media = suffix_media or negotiate(request)
    if not site.exists(iri):
        return not_found(request, site, iri, media)
    url = urls(request)(iri) or iri
    headers = alternates(url, None if suffix_media else media)
    if suffix_media:
        headers.pop("Vary")
    if media == HTML:
        return html_document(request, site, iri, headers)
    return validated(request, rdf_document(request, site, iri, media), media, headers, modified=site.modified)


def rdf_document(request: Request, site: Site, iri: str, media: str) -> bytes:
    """The description of an IRI in an RDF format, built once per (IRI, format): the data never
    changes while serving, and the canonical IRIs in it do not depend on the request."""
    return site.memoised(("rdf", iri, media), lambda: serialize(request, describe(site, iri), media))



def html_document(request: Request, site: Site, iri: str, headers: dict[str, str]) -> Response:
    local = iri[len(site.base):]
    if local in ("def", "shapes"):
        view = site.memoised(("ontology_view", iri), lambda: ontology_view(site, iri))
        return page(request, "ontology.html", headers=headers, view=view, doc_kind=local)
    view = site.memoised(("entity_view", iri), lambda: entity_view(site, iri))
    wikidata = site.memoised(("wikidata", iri), lambda: wikidata_comparison(site, iri, settings_of(request)))
    return page(request, "entity.html", headers=headers, view=view, wikidata=wikidata)


def not_found(request: Request, site: Site, iri: str, media: str) -> Response:
    """A helpful 404 in the negotiated format: close IRIs, the landing page and the endpoint."""
    links = urls(request)
    close = site.near_subjects(iri)
    if media == HTML:
        return page(request, "not_found.html", status=404, headers={"Vary": "Accept"},
                    iri=iri, suggestions=close)
    node = ox.NamedNode(iri)
    comment = (f"Not found: <{iri}> is not described in this dataset. "
               f"See {links.url('')} or query {links.url('sparql')}.")
    quads = [ox.Quad(node, ox.NamedNode(ns.RDFS + "comment"), ox.Literal(comment))]
    quads += [ox.Quad(node, ox.NamedNode(ns.RDFS + "seeAlso"), ox.NamedNode(c)) for c in close]
    quads.append(ox.Quad(node, ox.NamedNode(ns.RDFS + "seeAlso"), ox.NamedNode(settings_of(request).iris.dataset)))
    body = serialize(request, quads, media)
    return validated(request, body, media, {"Vary": "Accept"}, status=404)


# --------------------------------------------------------------------------- routes
# Plain `def`: Starlette runs these in its thread pool, so building a page (describe, views,
# JSON-LD compaction) never blocks the event loop that answers /sparql.


@router.api_route("/", methods=GET, include_in_schema=False)
def landing(request: Request) -> Response:
    site = site_of(request)
    media = negotiate(request)
    dataset = settings_of(request).iris.dataset
    if media != HTML and site.exists(dataset):
        body = rdf_document(request, site, dataset, media)
        return validated(request, body, media, {"Vary": "Accept"}, modified=site.modified)
    settings = settings_of(request)
    title = settings.title or "Linked data"
    after = cursor(request)
    return page(request, "landing.html", headers={"Vary": "Accept"},
                view=site.memoised(("landing_view", title, after), lambda: landing_view(site, title, after)),
                dumps=downloads.listing(settings), examples=querypage.examples(settings))


def cursor(request: Request) -> str:
    """The page cursor `?after=` of a paged page (the last IRI of the page before)."""
    after = request.query_params.get("after", "")
    if len(after) > MAX_CURSOR:
        raise BadRequest(f"The page cursor `after` is longer than {MAX_CURSOR} characters.")
    return after


def view_route(spec: Page) -> Callable[[Request], Response]:
    """The route of a page view of ldpub.site.views (see its PAGE)."""

    def route(request: Request) -> Response:
        site = site_of(request)
        params = dict(request.path_params)
        if spec.paged:
            params["after"] = cursor(request)
        key = ("page", spec.path, *sorted(params.items()))
        view = site.memo.get(key)
        if view is None:
            view = spec.view(site, **params)
            if view is None:
                return page(request, "not_found.html", status=404, iri=site.iris.iri_of_path(iri_path(request)),
                            suggestions=[], message=spec.missing)
            # Only what exists is kept: a path naming nothing (any string a client sends) is not.
            site.memo.put(key, view)
        return page(request, spec.template, view=view)

    return route


for _spec in PAGES:
    router.add_api_route(_spec.path, view_route(_spec), methods=GET, include_in_schema=False)


@router.api_route(f"/{STATUS_CSS}", methods=GET, include_in_schema=False)
def status_css(request: Request) -> Response:
    site = site_of(request)
    body = site.memoised("status_css", lambda: status_stylesheet(site).encode())
    return validated(request, body, "text/css", modified=site.modified)


@router.api_route("/query", methods=GET, include_in_schema=False)
def query_page(request: Request) -> Response:
    return querypage.render(request, settings_of(request))


@router.api_route("/queries/{name}", methods=GET, include_in_schema=False)
def query_file(request: Request, name: str) -> Response:
    for ex in querypage.examples(settings_of(request)):
        if ex["file"] == name:
            return validated(request, ex["query"].encode(), "application/sparql-query")
    raise NotFound(f"No example query named {name!r}.")


@router.api_route("/download/", methods=GET, include_in_schema=False)
def download_index(request: Request) -> Response:
    return RedirectResponse(urls(request).url("#downloads"), 303)


@router.api_route("/download/{name}", methods=GET, include_in_schema=False)
@router.api_route("/dumps/{name}", methods=GET, include_in_schema=False)
def download(request: Request, name: str) -> Response:
    return downloads.serve(request, settings_of(request), name)


# Last: every other path names an IRI under the base — /def, /shapes, /id/…, and any other IRI
# (e.g. a graph name like /graph/x) — so this router must be included after the endpoint's own
# routes (it is: see create_app).
@router.api_route("/{path:path}", methods=GET, include_in_schema=False)
def resource(request: Request) -> Response:
    return document(request)
