"""Shared by the HTML pages: the Jinja2 environment (autoescape everything), the server's public
URL (X-Forwarded-* aware) and the mapping of canonical IRIs to it, HTTP caching (ETag,
Last-Modified, 304) and the per-app `Site` cache."""

from __future__ import annotations

import hashlib
import json
import re
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from ldpub.config import Settings, default_settings
from ldpub.pages import Site
from ldpub.service_description import public_base_url

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Files that sit next to the served dataset and belong to its description, not its data.
COMPANION_FILES = ("shapes.ttl", "void.ttl")

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


env.filters["json_script"] = json_script


def settings_of(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or default_settings()


def server_base(request: Request) -> str:
    """The public URL of this server, without a trailing slash (proxy headers respected)."""
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


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _iri_char(char: str) -> bool:
    """RFC 3987 ucschar: the non-ASCII characters an IRI path may hold as they are."""
    cp = ord(char)
    return (0xA0 <= cp <= 0xD7FF or 0xF900 <= cp <= 0xFDCF or 0xFDF0 <= cp <= 0xFFEF
            or (0x10000 <= cp <= 0xEFFFD and cp & 0xFFFF <= 0xFFFD and not 0xE0000 <= cp <= 0xE0FFF))


def _unescape(run: re.Match[str]) -> str:
    escapes = run.group()
    octets = bytes.fromhex(escapes.replace("%", ""))
    out, i = [], 0
    while i < len(octets):
        lead = octets[i]
        size = 1 if lead < 0x80 else 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4
        try:
            char = octets[i:i + size].decode("utf-8")
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1 and (char in _UNRESERVED or _iri_char(char)):
            out.append(char)
            i += size
        else:
            out.append(escapes[3 * i:3 * i + 3])  # as sent: '%2f' stays '%2f'
            i += 1
    return "".join(out)


def uri_to_iri(path: str) -> str:
    """A URL path as the IRI it names (RFC 3987 3.2): escapes of unreserved ASCII and of UTF-8
    characters allowed in IRIs are decoded, every other escape stays. So /id/%E2%98%83 names
    id/☃, while /id/a%20b, /id/a%2Fb and /id/a%00 keep their escapes, as the IRIs in the data
    do (decoding them all would turn a%2Fb into a/b and a%20b into an invalid IRI)."""
    return _ESCAPES.sub(_unescape, path)


def iri_path(request: Request) -> str:
    """The part after the base IRI that this request's URL names: 'id/cns.ttl' for /id/cns.ttl."""
    raw = request.scope.get("raw_path") or quote(request.url.path).encode()
    path = raw.decode("utf-8", "replace")  # uvicorn gives ASCII; U+FFFD fails as an IRI later
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return uri_to_iri(path).lstrip("/")


def is_web_iri(iri: str) -> bool:
    """True for an http(s) IRI, the only kind a page may link to."""
    return iri[:8].lower().startswith(("http://", "https://"))


class Links:
    """Canonical IRI <-> URL on this server."""

    def __init__(self, base_iri: str, server: str) -> None:
        self.base_iri = base_iri
        self.server = server.rstrip("/") + "/"

    def __call__(self, iri: str) -> str | None:
        """The URL to follow for an IRI: ours map to this server, other http(s) IRIs link out.
        Any other scheme (javascript:, data:, …) gives None: data must never become a live
        script link, so the templates show such an IRI as text."""
        if iri.startswith(self.base_iri):
            return self.server + iri[len(self.base_iri):]
        return iri if is_web_iri(iri) else None

    def url(self, path: str) -> str:
        return self.server + path.lstrip("/")


def site_of(request: Request) -> Site:
    """The Site for the app's served Store (built once, kept on app.state)."""
    state = request.app.state
    store = getattr(state, "dataset", None)
    site = getattr(state, "ldpub_site", None)
    if site is not None and site.store is store:
        return site
    settings = settings_of(request)
    if store is None:
        store = ox.Store()
    files = [Path(f) for f in getattr(state, "files", [])]
    extras = []
    for folder in dict.fromkeys(f.parent for f in files):
        for name in COMPANION_FILES:
            path = folder / name
            if path.is_file() and path not in files:
                extra = ox.Store()
                extra.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
                extras.append(extra)
    site = Site(store, settings.base_iri, settings.root, extras)
    mtimes = [f.stat().st_mtime for f in files if f.is_file()]
    site.modified = max(mtimes) if mtimes else None  # type: ignore[attr-defined]
    state.ldpub_site = site
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


def cached(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None,
           status: int = 200, modified: float | None = None) -> Response:
    """A response with ETag and Last-Modified; 304 when the client's copy is current."""
    headers = dict(headers or {})
    etag = etag_for(body, media_type)
    headers["ETag"] = etag
    if modified is not None:
        headers["Last-Modified"] = formatdate(modified, usegmt=True)
    if status == 200 and not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if media_type.startswith("text/") or media_type.endswith(("+xml", "+json")):
        media_type += "; charset=utf-8"
    return Response(body, status, headers, media_type=media_type)


def page(request: Request, template: str, *, status: int = 200, headers: dict[str, str] | None = None,
         **context: object) -> Response:
    """Render an HTML template with the common context (links, site, settings)."""
    settings = settings_of(request)
    links = Links(settings.base_iri, server_base(request))
    site = site_of(request)
    html = env.get_template(template).render(
        link=links, url=links.url, site=site, settings=settings, request_path=request.url.path,
        **context)
    return cached(request, html.encode("utf-8"), "text/html", headers, status,
                  getattr(site, "modified", None))
