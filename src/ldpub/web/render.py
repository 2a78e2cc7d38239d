"""Shared by the pages: the Jinja2 environment (autoescape everything), the server's public URL
(X-Forwarded-* aware, through ldpub.iris), HTTP caching (ETag, Last-Modified, 304)."""

from __future__ import annotations

import hashlib
import json
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from ldpub.formats import content_type
from ldpub.iris import UrlBuilder, public_base_url, uri_to_iri
from ldpub.settings import Settings
from ldpub.site.model import ClaimRef, Site, Term

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

env = Environment(
    loader=PackageLoader("ldpub", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def json_script(data: object) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' survive, so '</script>' cannot close it."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@pass_context
def iri_link(context: Context, iri: str, label: object, title: object = None, cls: object = None,
             suffix: str = "") -> Markup:
    """A link to an IRI, or its text when link() refuses it (a non-http(s) scheme such as
    javascript:). A function, not a macro: a page holds hundreds, and a macro call costs several
    times more (so does Markup.format: the parts are escaped one by one)."""
    href = context["link"](iri)
    title_attr = f' title="{escape(title)}"' if title else ""
    if href:
        cls_attr = f' class="{escape(cls)}"' if cls else ""
        return Markup(f'<a{cls_attr} href="{escape(href)}{escape(suffix)}"{title_attr}>{escape(label)}</a>')
    cls_attr = f" {escape(cls)}" if cls else ""
    return Markup(f'<span class="iri-text{cls_attr}"{title_attr}>{escape(label)}</span>')


@pass_context
def badge(context: Context, ref: ClaimRef) -> Markup:
    """A claim's status as a badge linking to the claim."""
    return iri_link(context, ref.iri, ref.status_label, ref.label, "badge st-" + ref.slug)


@pass_context
def term(context: Context, t: Term) -> Markup:
    """One RDF term of a table: a link with its badge and CURIE, a literal with its language and
    datatype, or a blank node; then the badges of the claims that assert it."""
    if t.kind == "iri":
        parts = [badge(context, t.claim), " "] if t.claim else []
        parts.append(iri_link(context, t.value, t.label, t.value,
                              None if t.value.startswith(context["site"].base) else "ext"))
        if t.curie and t.curie.split(":", 1)[1] != t.label:
            parts.append(f' <span class="curie">{escape(t.curie)}</span>')
    elif t.kind == "literal":
        parts = [f'<span class="lit">{escape(t.value)}</span>']
        if t.lang:
            parts.append(f' <span class="lang">@{escape(t.lang)}</span>')
        if t.datatype:
            parts.append(f' <span class="dt" title="{escape(t.datatype)}">{escape(t.datatype.rsplit("#", 1)[-1])}</span>')
    else:
        parts = [f'<span class="bnode">{escape(t.value)}</span>']
    parts += [part for c in t.claims for part in (" ", badge(context, c))]
    return Markup("".join(parts))


env.filters["json_script"] = json_script
# Functions, not macros: a page holds hundreds of them (see iri_link).
env.globals.update(iri_link=iri_link, badge=badge, term=term)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def server_base(request: Request) -> str:
    """The public URL of this server, without a trailing slash: the public_base_url setting when
    set, else from Host and (from a trusted proxy) X-Forwarded-*."""
    configured = settings_of(request).public_base_url
    if configured:
        return configured.rstrip("/")
    host, port = request.scope.get("server") or ("localhost", None)
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    own = f"{host}:{port}" if port else host
    return public_base_url(request.url.scheme, request.headers.get("host", own),
                           request.headers if trusts_forwarding(request) else {},
                           request.scope.get("root_path", ""), own)


def trusts_forwarding(request: Request) -> bool:
    """X-Forwarded-* is believed only from a configured proxy (default: this machine), so a
    client elsewhere cannot choose the URLs this server writes into its answers."""
    allowed = settings_of(request).forwarded_allow_ips
    client = request.client.host if request.client else None
    return "*" in allowed or client in allowed


def iri_path(request: Request) -> str:
    """The part after the base IRI that this request's URL names: 'id/cns.ttl' for /id/cns.ttl."""
    raw = request.scope.get("raw_path") or quote(request.url.path).encode()
    path = raw.decode("utf-8", "replace")  # uvicorn gives ASCII; U+FFFD fails as an IRI later
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return uri_to_iri(path).lstrip("/")


def site_of(request: Request) -> Site:
    """The Site of the app's served store (built once by create_app)."""
    site: Site = request.app.state.site
    return site


# --------------------------------------------------------------------------- caching


def etag_for(body: bytes, *salt: str) -> str:
    h = hashlib.sha256(body)
    for s in salt:
        h.update(s.encode())
    return '"' + h.hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str, modified: float | None) -> bool:
    """If-None-Match wins; If-Modified-Since is used only without it (RFC 9110 13.2.2)."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = request.headers.get("if-modified-since")
    if ims and modified is not None:
        try:
            return int(modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def validated(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None,
              status: int = 200, modified: float | None = None) -> Response:
    """A response with its validators (ETag, Last-Modified); 304 when the client's copy is current."""
    headers = dict(headers or {})
    etag = etag_for(body, media_type)
    headers["ETag"] = etag
    if modified is not None:
        headers["Last-Modified"] = formatdate(modified, usegmt=True)
    if status == 200 and not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, status, headers, media_type=content_type(media_type))


def page(request: Request, template: str, *, status: int = 200, headers: dict[str, str] | None = None,
         **context: object) -> Response:
    """Render an HTML template with the common context (links, site, settings)."""
    settings = settings_of(request)
    links = urls(request)
    site = site_of(request)
    html = env.get_template(template).render(
        link=links, url=links.url, site=site, settings=settings, request_path=request.url.path,
        **context)
    return validated(request, html.encode("utf-8"), "text/html", {**HTML_HEADERS, **(headers or {})}, status,
                  site.modified)


def urls(request: Request) -> UrlBuilder:
    """The URL builder of the pages: our IRIs mapped to root-relative URLs (/prefix/id/x), so
    that no header can put another host into a page, a script source or a Link; absolute only
    when public_base_url says what the host is."""
    return UrlBuilder(settings_of(request).iris, server_base(request) if settings_of(request).public_base_url
                      else urlsplit(server_base(request)).path)


def host_dependent(request: Request) -> dict[str, str]:
    """Caching headers for an answer whose bytes name this server's URL (VoID, the service
    description): a shared cache must not keep one host's answer for another."""
    if settings_of(request).public_base_url:
        return {}
    return {"Cache-Control": "private", "Vary": "Accept, Host, X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Prefix"}


# Pages load only their own CSS and script; nothing may frame them.
HTML_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
