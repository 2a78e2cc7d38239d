"""The exceptions ldpub raises, in one hierarchy (as httpx documents its own).

Below the web layer nothing knows HTTP: the query executor, the protocol parser and the site
raise these domain errors, and `ldpub.web.errors` is the one place that turns each class into a
status code and a body. A new error is a subclass here plus, when it needs its own status, one
line in that table.

    LdpubError
    ├── SettingsError            ldpub.toml or an LDPUB_* variable is wrong
    ├── BuildError               the sources cannot be built, or dist/ cannot be written
    │   ├── SourceError          an RDF or text file cannot be read or parsed (file, line, column)
    │   └── InvalidData          the data does not validate (the report is the message)
    ├── StoreError               the store (a loaded folder, a remote endpoint) cannot be opened,
    │                            reached or written
    ├── NotFound                 no such resource, file or example query
    ├── NotAcceptable            no offered format matches Accept / format=
    ├── MethodNotAllowed         the method is not one the resource answers
    └── QueryError               a SPARQL request cannot be answered
        ├── BadRequest           malformed protocol request (parameters, encoding, graphs)
        ├── QueryRefused         read-only or sealed: update, SERVICE, LOAD, remote FROM
        ├── QuerySyntaxError     the engine's parser refused it (line and column when known)
        ├── QueryEvaluationError the engine could not evaluate it
        ├── RequestTooLarge      the query or body is over the limit
        ├── RequestTimeout       the body did not arrive within read_timeout
        ├── UnsupportedMediaType a body the endpoint does not read
        ├── QueryTimeout         past query_timeout; the evaluation was killed
        ├── ClientGone           the client left before the answer; the evaluation was stopped
        └── Unavailable          no evaluator free (queue full) or the evaluator failed
            └── StoreUnavailable the remote store failed, refused or could not be reached
"""

from __future__ import annotations


class LdpubError(Exception):
    """Base of every ldpub error. `message` is the one line shown to the user; `detail` holds
    extra fields for JSON error bodies (e.g. line and column)."""

    def __init__(self, message: str, *, detail: dict[str, object] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        self.headers = headers or {}  # e.g. Retry-After: facts about the error, not HTTP codes


class SettingsError(LdpubError):
    """A setting is unknown or has a value of the wrong type."""


class BuildError(LdpubError):
    """The sources cannot be built or are not valid, or the output cannot be written."""


class SourceError(BuildError):
    """A source file is missing, unreadable or not valid RDF in its format. The message names the
    file and, for a parse error, the parser's line and column (also in `detail`). Raised when
    building and validating, and by `ldpub serve` for the files it is given."""


class InvalidData(BuildError):
    """The data parses but does not validate; the message is the validation report."""


class StoreError(LdpubError):
    """The store cannot be used: a folder `ldpub load` did not write, a remote endpoint that cannot
    be reached, refuses our credentials or answers garbage. One line naming the store."""


class NotFound(LdpubError):
    """No such resource, file or example query."""


class NotAcceptable(LdpubError):
    """Nothing offered matches what the client accepts; carries the offered media types."""

    def __init__(self, offered: tuple[str, ...], asked: str) -> None:
        self.offered = offered
        self.asked = asked
        shown = asked if len(asked) <= 200 else asked[:200] + "…"  # never echo a huge header
        super().__init__(f"Not Acceptable: cannot produce {shown!r}. Available: {', '.join(offered)}",
                         detail={"offered": list(offered)})


class MethodNotAllowed(LdpubError):
    """The method is not one the resource answers (the site is read-only)."""

    def __init__(self, message: str, allowed: str) -> None:
        super().__init__(message, headers={"Allow": allowed})


class QueryError(LdpubError):
    """A SPARQL protocol request that cannot be answered."""


class BadRequest(QueryError):
    """The request itself is malformed: parameters, encoding, several queries, none."""


class QueryRefused(QueryError):
    """The query would write or reach the network: the endpoint is read-only and sealed."""


class QuerySyntaxError(QueryError):
    """The engine's parser refused the query."""


class QueryEvaluationError(QueryError):
    """The engine could not evaluate the query (a type error the parser cannot see)."""


class RequestTooLarge(QueryError):
    """The query or the request body is over the configured limit."""


class RequestTimeout(QueryError):
    """The request's body did not arrive in time."""


class UnsupportedMediaType(QueryError):
    """A request body in a type or encoding the endpoint does not read."""


class QueryTimeout(QueryError):
    """The query ran past query_timeout and its evaluation was killed."""


class ClientGone(QueryError):
    """The client closed the connection before the answer; its evaluation was stopped."""


class Unavailable(QueryError):
    """No evaluator could take the query: the queue is full or the evaluator failed."""


class StoreUnavailable(Unavailable):
    """The remote store behind /sparql failed, refused the request or could not be reached (its
    message in a line, never its traceback)."""
