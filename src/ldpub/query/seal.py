"""A small SPARQL lexer that finds what a query would do beyond reading the store.

Why a lexer and not a regex over the text: `ex:SERVICE`, `?service`, `"LOAD"`, `# FROM` and
`<http://x/SERVICE>` are not keywords, and a regex cannot tell. The lexer skips comments,
string literals, IRIs, variables and prefixed names, so what is left are real keywords.
It does not validate the query: the engine's parser does that (and reports line/column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

# Order matters: long strings before short ones; IRIs before the `<` operator.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w.\-:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UCHAR = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
_LOCAL_ESC = re.compile(r"\\(.)")

# Update operations (SPARQL 1.1 Update). In a query none of these words can appear bare.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int = 0


@dataclass(frozen=True)
class Verdict:
    """What a query asks for beyond reading: found by lexing, before any evaluation."""

    form: str | None  # SELECT / ASK / CONSTRUCT / DESCRIBE, None when not found
    update: str | None = None  # first update keyword, e.g. "INSERT" or "LOAD"
    services: tuple[str, ...] = ()  # SERVICE targets, resolved IRIs; "?var" for a variable
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())  # unresolvable clause targets
    lexical: str | None = None  # where the lexer lost step with SPARQL: refuse rather than guess


def tokens(query: str) -> list[Token]:
    """Significant tokens (no whitespace/comments); strings/IRIs/names kept whole."""
    out: list[Token] = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, match.group(), match.start()))
    return out


CACHE_QUERY_CHARS = 4096  # longer queries are lexed every time: the cache holds at most ~16 MB


def inspect_query(query: str) -> Verdict:
    """Report the query's form and its outward clauses (cached for ordinary-size queries)."""
    return _inspect_cached(query) if len(query) <= CACHE_QUERY_CHARS else _inspect(query)


@lru_cache(maxsize=4096)
def _inspect_cached(query: str) -> Verdict:
    return _inspect(query)


def _inspect(query: str) -> Verdict:
    toks = tokens(query)
    prefixes: dict[str, str] = {}
    base = ""
    form: str | None = None
    update: str | None = None
    services: list[str] = []
    froms: list[str] = []
    from_named: list[str] = []
    problems: list[str] = []
    lexical: str | None = None

    def resolve(tok: Token | None) -> str | None:
        if tok is None:
            return None
        if tok.kind == "iri":
            iri = _UCHAR.sub(lambda m: chr(int(m.group()[2:], 16)), tok.text[1:-1])
            return urljoin(base, iri) if base else iri
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + _LOCAL_ESC.sub(r"\1", local)
        return None

    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < n else None
        if tok.kind == "other" and tok.text == "\\":
            # Outside strings, IRIs and prefixed names a backslash is never SPARQL: if the lexer meets
            # one it has lost step with the engine, so it fails closed rather than guess.
            lexical = lexical or (
                f"a backslash outside a string, IRI or prefixed name (at character {tok.start})"
            )
        if tok.kind != "word":
            i += 1
            continue
        word = tok.text.upper()
        if word == "PREFIX" and nxt is not None and nxt.kind == "pname" and i + 2 < n:
            target = resolve(toks[i + 2])
            if target is not None:
                prefixes[nxt.text[:-1]] = target
            i += 3
            continue
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = resolve(nxt) or base
            i += 2
            continue
        if form is None and update is None and word in QUERY_FORMS:
            form = word
        elif word in UPDATE_KEYWORDS and update is None:
            update = word
        elif word == "SERVICE":
            j = i + 1
            if j < n and toks[j].kind == "word" and toks[j].text.upper() == "SILENT":
                j += 1
            target_tok = toks[j] if j < n else None
            target = resolve(target_tok)
            if target is None:
                shown = target_tok.text if target_tok is not None else "(nothing)"
                services.append(shown)
                problems.append(f"SERVICE {shown}")
            else:
                services.append(target)
        elif word == "FROM":
            j = i + 1
            named = j < n and toks[j].kind == "word" and toks[j].text.upper() == "NAMED"
            if named:
                j += 1
            target = resolve(toks[j] if j < n else None)
            clause = "FROM NAMED" if named else "FROM"
            if target is None:
                problems.append(f"{clause} {toks[j].text if j < n else '(nothing)'}")
            else:
                (from_named if named else froms).append(target)
        i += 1
    return Verdict(
        form=form,
        update=update,
        services=tuple(services),
        from_graphs=tuple(froms),
        from_named_graphs=tuple(from_named),
        problems=tuple(problems),
        lexical=lexical,
    )
