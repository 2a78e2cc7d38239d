"""The one place where domain errors (ldpub.errors) become HTTP answers.

Every route, the SPARQL endpoint included, lets LdpubError propagate; `error_response` picks the
status from STATUS and answers in JSON when the client prefers JSON, else in plain text.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ldpub import errors
from ldpub.web.negotiation import parse_accept

# Most specific class first: the first isinstance match gives the status.
STATUS: tuple[tuple[type[errors.LdpubError], int], ...] = (
    (errors.NotFound, 404),
    (errors.NotAcceptable, 406),
    (errors.MethodNotAllowed, 405),
    (errors.RequestTooLarge, 413),
    (errors.RequestTimeout, 408),
    (errors.UnsupportedMediaType, 415),
    (errors.QueryTimeout, 504),
    (errors.ClientGone, 499),  # nginx's "client closed request": only the access log sees it
    (errors.StoreUnavailable, 502),  # Bad Gateway: the remote store failed, not us
    (errors.Unavailable, 503),
    (errors.QueryError, 400),
    (errors.LdpubError, 500),
)


def status_of(exc: errors.LdpubError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def wants_json(request: Request) -> bool:
    """Errors come as JSON when the client's top choice is a JSON type (or format=json)."""
    fmt = request.query_params.get("format", "")
    if "json" in fmt:
        return True
    ranges = parse_accept(request.headers.get("accept"))
    top = max(ranges, key=lambda r: (r.q, -r.order), default=None)  # none when Accept is all garbage
    return top is not None and "json" in top.subtype


def plain(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status, headers, media_type="text/plain; charset=utf-8")


def error_response(request: Request, exc: errors.LdpubError) -> Response:
    status = status_of(exc)
    headers = {"Vary": "Accept", **exc.headers}
    if wants_json(request):
        body = json.dumps({"status": status, "message": exc.message, **exc.detail})
        return Response(body, status, headers, media_type="application/json")
    return plain(exc.message, status, headers)


async def ldpub_error(request: Request, exc: Exception) -> Response:
    """The exception handler the app registers for LdpubError."""
    assert isinstance(exc, errors.LdpubError)
    return error_response(request, exc)


async def framework_error(request: Request, exc: Exception) -> Response:
    """The router's own refusals (a PUT on a page: 405; an unrouted path: 404) in words naming
    the method and the path, instead of the framework's bare {"detail": "Method Not Allowed"}."""
    assert isinstance(exc, HTTPException)
    message = str(exc.detail)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET, HEAD")
        message = f"{request.method} is not allowed on {request.url.path}: it is read-only (allowed: {allowed})"
    return plain(message, exc.status_code, dict(exc.headers or {}))
