"""The IRI scheme of a publication and its mapping to this server's URLs (as Datasette's
url_builder.py): every IRI or URL of ours is made here, nowhere else.

    <base>def#Term                 ontology terms          <base>shapes#Name   SHACL shapes
    <base>id/<slug>                entities                <base>id/dataset    the dataset
    <base>id/article               the first article       <base>id/claim/cNN  its claims
    <base>id/article/<slug>        any later article       <base>id/article/<slug>/claim/NN  its claims
    <claim>#evidence, #quote, #position   a claim's evidence and its two selectors
    <base>id/status/<name>         epistemic statuses      <base>id/agent/<slug>  agents
    <base>id/link/<slug>-<QID>     Wikidata links          <base>download/<file>  dumps
    <base>graph/<name>             other named graphs (graph/wikidata-enrichment)
    <base>sparql                   the endpoint

On a server, an IRI under the base maps to the same path under the server's public URL
(`UrlBuilder`), which honours X-Forwarded-* only when the settings say to believe them. The site's
own pages that are not IRIs:

    /article                       the index of the articles
    /article/<path>                the annotated text of the article whose IRI is <base><path>
                                   (/article/id/article, /article/id/article/<slug>)
    /statuses.css                  the status colours, from the ontology
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Paths of the site's pages that are not IRIs (see the module docstring): routes and links read these.
ARTICLES = "article"
STATUS_CSS = "statuses.css"


@dataclass(frozen=True)
class IriScheme:
    """The IRIs of one publication, from its base IRI."""

    base: str

    @property
    def vocab(self) -> str:
        """The ontology's namespace (prefix kzm:)."""
        return self.base + "def#"

    @property
    def ontology(self) -> str:
        return self.base + "def"

    @property
    def shapes(self) -> str:
        return self.base + "shapes"

    @property
    def ids(self) -> str:
        """The namespace of entities, claims, statuses… (prefix id:)."""
        return self.base + "id/"

    @property
    def dataset(self) -> str:
        return self.ids + "dataset"

    @property
    def article(self) -> str:
        return self.ids + "article"

    @property
    def statuses(self) -> str:
        """The epistemic-status scheme; each status is <statuses>/<name>."""
        return self.ids + "status"

    @property
    def claims(self) -> str:
        return self.ids + "claim/"

    @property
    def sparql(self) -> str:
        return self.base + "sparql"

    # Articles. The first article's IRIs (id/article, id/claim/cNN) are cited, so they stay; every
    # later article is scoped by its slug, so a claim IRI says which article it belongs to.
    def article_iri(self, slug: str | None) -> str:
        """An article: slug None is the first article (<base>id/article), else <base>id/article/<slug>."""
        return self.article if slug is None else f"{self.article}/{slug}"

    def claims_of(self, slug: str | None) -> str:
        """The namespace of an article's claims (the base of its claims' relative IRIs)."""
        return self.claims if slug is None else f"{self.article_iri(slug)}/claim/"

    def claim(self, local: str, slug: str | None = None) -> str:
        """claim('c08') is <base>id/claim/c08; claim('01', 'x') is <base>id/article/x/claim/01."""
        return self.claims_of(slug) + local

    def evidence(self, claim: str) -> str:
        """A claim's evidence (an oa:SpecificResource): <claim>#evidence."""
        return claim + "#evidence"

    def quote_selector(self, claim: str) -> str:
        return claim + "#quote"

    def position_selector(self, claim: str) -> str:
        return claim + "#position"

    def term(self, name: str) -> str:
        """An ontology term: term('Claim') is <base>def#Claim."""
        return self.vocab + name

    def id(self, local: str) -> str:
        """An entity (or other resource) IRI: id('cns') is <base>id/cns."""
        return self.ids + local

    def status(self, name: str) -> str:
        return f"{self.statuses}/{name}"

    def agent(self, slug: str) -> str:
        return self.ids + "agent/" + slug

    def link(self, entity: str, qid: str) -> str:
        """The kzm:Link resource of a Wikidata link: id/link/<entity's id path, / as ->-<QID>."""
        local = entity.removeprefix(self.ids) if entity.startswith(self.ids) else self.local(entity)
        return f"{self.ids}link/{local.replace('/', '-')}-{qid}"

    def graph(self, name: str) -> str:
        """A named graph of ours that is not a claim: <base>graph/<name>."""
        return self.base + "graph/" + name

    @property
    def enrichment_graph(self) -> str:
        """The graph of facts fetched from Wikidata (`ldpub link --enrich`)."""
        return self.graph("wikidata-enrichment")

    @property
    def store_metadata(self) -> str:
        """The graph where `ldpub load --into URL` keeps the statistics of a remote store."""
        return self.graph("ldpub-store")

    @property
    def store_default_graph(self) -> str:
        """The graph holding the default graph on a remote store whose default graph is the union of
        all graphs (Virtuoso): `store_default_graph = true`."""
        return self.graph("default")

    def download(self, name: str) -> str:
        return self.base + "download/" + name

    def distribution(self, name: str) -> str:
        return f"{self.dataset}#distribution-{name}"

    def checksum(self, name: str) -> str:
        return f"{self.dataset}#sha256-{name}"

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def local(self, iri: str) -> str:
        """The part of one of our IRIs after the base ('id/cns'); other IRIs come back whole."""
        return iri[len(self.base):] if iri.startswith(self.base) else iri

    def iri_of_path(self, path: str) -> str:
        """The canonical IRI a server path names: 'id/cns' (or '/id/cns') is <base>id/cns."""
        return self.base + path.lstrip("/")

    def document(self, iri: str) -> str:
        """The document an IRI is described in: the IRI without its #fragment."""
        return iri.split("#", 1)[0]


def is_web_iri(iri: str) -> bool:
    """True for an http(s) IRI, the only kind a page may link to."""
    return iri[:8].lower().startswith(("http://", "https://"))


class UrlBuilder:
    """Canonical IRI <-> URL on one server (its public base URL, without a trailing slash)."""

    def __init__(self, scheme: IriScheme, server: str) -> None:
        self.scheme = scheme
        self.server = server.rstrip("/") + "/"

    def __call__(self, iri: str) -> str | None:
        """The URL to follow for an IRI: ours map to this server, other http(s) IRIs link out.
        Any other scheme (javascript:, data:, …) gives None: data must never become a live
        script link, so the templates show such an IRI as text."""
        if self.scheme.is_ours(iri):
            return self.server + self.scheme.local(iri)
        return iri if is_web_iri(iri) else None

    def url(self, path: str) -> str:
        """A URL of this server: url('sparql'), url('static/site.css')."""
        return self.server + path.lstrip("/")

    def articles(self) -> str:
        """The index of the articles."""
        return self.url(ARTICLES)

    def article_text(self, iri: str) -> str | None:
        """The annotated text of an article of ours: /article/<its path under the base>. None for
        an IRI outside the base (the site has no text view for it)."""
        return self.url(f"{ARTICLES}/{self.scheme.local(iri)}") if self.scheme.is_ours(iri) else None

    def status_css(self) -> str:
        """The stylesheet of the status colours."""
        return self.url(STATUS_CSS)


# What may go into the public URL as is. These values come from the client or a proxy, and
# they become the endpoint IRI in RDF and the links of every page: a value that is not a URL
# part (garbage, "evil.com/<script>") is ignored, never trusted.
_SCHEME = re.compile(r"https?", re.IGNORECASE)
_HOST = re.compile(r"(?:[A-Za-z0-9_~.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")  # name or [IPv6], :port
_PREFIX = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*")  # RFC 3986 path


def public_base_url(
    scheme: str, host: str, headers: Mapping[str, str], root_path: str = "", server: str = "localhost"
) -> str:
    """Scheme://host/prefix as the client saw it: X-Forwarded-Proto/Host/Prefix win when a
    proxy sets them (first value of a comma list). A Host that is no host name falls back to
    server (this server's own address)."""

    def forwarded(name: str, pattern: re.Pattern[str], default: str) -> str:
        value = headers.get(name, "").split(",")[0].strip()
        return value if value and pattern.fullmatch(value) else default

    proto = forwarded("x-forwarded-proto", _SCHEME, scheme).lower()
    fwd_host = forwarded("x-forwarded-host", _HOST, host if _HOST.fullmatch(host) else server)
    prefix = forwarded("x-forwarded-prefix", _PREFIX, root_path)
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    return f"{proto}://{fwd_host}{prefix}"


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
