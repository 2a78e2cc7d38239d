"""A small SPARQL lexer that finds what a query would do beyond reading the store.

Why a lexer and not a regex over the text: `ex:SERVICE`, `?service`, `"LOAD"`, `# FROM` and
`<http://x/SERVICE>` are not keywords, and a regex cannot tell. The lexer skips comments,
string literals, IRIs, variables and prefixed names, so what is left are real keywords.
It does not validate the query: the engine's parser does that (and reports line/column).

It follows the engine, not the SPARQL grammar on paper. The engine is pyoxigraph's parser
(spargebra, a PEG): its tokens are written out below with the same character classes, and where
the engine may read the same text two ways, the seal refuses rather than guess (fail closed):

* The engine matches a keyword by its letters alone, with nothing required after it:
  `SERVICESILENT<iri>`, `SERVICE:x`, `SERVICEex:x`, `FROMNAMED<iri>`, `ASKFROM<iri>`,
  `1e3SERVICE<iri>`, `trueSERVICE<iri>` are all SERVICE/FROM clauses to it. So a word or a prefix
  (the part of a prefixed name before `:`) that *contains* SERVICE, FROM or LOAD, ASCII letters in
  any case, is refused unless it is exactly that keyword.
* A prefixed name whose IRI would be invalid falls back, in the engine, to the bare `prefix:` and
  the rest is read as code (`:SERVICE:8998\\/x` with `PREFIX : <http://127.0.0.1:>` is a SERVICE
  call), so a local part containing those words must make a valid IRI (checked with the engine's
  own IRI parser, via pyoxigraph.NamedNode). `ex:a.b.SERVICE` ends at `ex:a.b` in the engine
  (one dot run only): so it does here.
* `SERVICE SILENT:x` and `FROM NAMED:x` mean different IRIs depending on which prefixes are
  declared: refused. So is a BASE/PREFIX/VERSION declaration the seal does not fully follow.
* Inside parentheses, after a value, `<` may be the less-than sign: `FILTER(?o <x:#> ...` is
  `?o < x:` and a comment to the engine. There an IRI holding `#`, `'`, `(`, `)`, `[` or `]`
  (which would then start a comment or a string or change nesting) is refused; not in the rows
  of a VALUES block, where the engine reads terms only.
* A string that does not end (where the engine would read `'''a'` as `''` then `'a'`) is refused.
* IRIs are resolved as the engine does: with BASE, or without it under the base IRI the engine is
  given (the endpoint's, ldpub.query.protocol.query_base), by the engine itself (a tiny query on an
  empty in-memory store), never by urllib; with neither, by the engine's IRI parser (a relative
  IRI is then no IRI).

Nothing in pyoxigraph (0.5) lets the seal act where a SERVICE connection is made: Store.query has
no service handler nor any network option, so the allowlist is enforced here, before evaluation,
and (with an empty allowlist) by the workers' empty network namespace (ldpub.worker.drop_network).

Time is linear in the query length: each token is matched once by a regex that cannot backtrack
across repetitions, a prefix scan that finds no `:` is not redone from inside it, and an
unterminated string or the first backslash outside a token ends the lexing with a refusal (a
retry from the next position made the old lexer quadratic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

# ---- the engine's terminals (spargebra's SPARQL grammar, same character classes) -------------
_PN_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_PN_U = _PN_BASE + "_"
_VARCHARS = _PN_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PN_CHARS = _VARCHARS + "\\-"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_ECHAR = r"\\[tbnrf\"'\\]"
_UCHAR_RE = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_WS = re.compile(r"[ \t\r\n]+")  # only these four: the engine's `_` rule
_COMMENT = re.compile(r"#[^\r\n]*")
# IRIREF: the engine takes `<` up to the next `>` and then parses it as an IRI; content with a
# character no IRI may hold (or a backslash that is not \u/\U) can never be one, so `<` is then an
# operator or the start of `<<`. Possessive: a failed attempt scans only IRI characters, never a
# later `<`, so attempts never overlap.
_IRI = re.compile(r'<((?:[^<>"{}|^`\\\x00-\x20]|' + _UCHAR_RE + r")*+)>")
_VAR = re.compile(f"[?$][0-9{_PN_U}][{_VARCHARS}]*+")
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*+(?:--[A-Za-z]+)?")
_BNODE = re.compile(f"_:[0-9{_PN_U}][{_PN_CHARS}]*+(?:\\.+[{_PN_CHARS}]++)*+")
_PREFIX = re.compile(f"[{_PN_BASE}][{_PN_CHARS}]*+(?:\\.+[{_PN_CHARS}]++)*+")
# PN_LOCAL as the engine has it: one optional dot run, so `ex:a.b.c` is `ex:a.b` then `.c`.
_LOCAL = re.compile(
    f"(?:[{_PN_U}:0-9]|{_PLX})(?:[{_PN_CHARS}:]|{_PLX})*+(?:\\.+(?:[{_PN_CHARS}:]|{_PLX})++)?"
)
# What may follow "/" in a property path: a prefixed name, an IRI, ^, (, ! or `a`.
_PATH_STEP = re.compile(r"\s*(?:[^\s/<>(){}:]*:|<|\^|\(|!|a(?![\w:-]))")
_REST_OF_NAME = re.compile(r"[^\s{}()<>;,]*")  # always matches: what a reader takes for the name
_WORD = re.compile(f"[{_PN_CHARS}]+")
_PN_BASE_CHAR = re.compile(f"[{_PN_BASE}]")
_NAME_CHAR = re.compile(f"[{_PN_CHARS}]")
_LONG = {
    "'": re.compile(r"'''(?:(?:''|')?(?:[^'\\]|" + _ECHAR + "|" + _UCHAR_RE + r"))*+'''"),
    '"': re.compile(r'"""(?:(?:""|")?(?:[^"\\]|' + _ECHAR + "|" + _UCHAR_RE + r'))*+"""'),
}
_SHORT = {
    "'": re.compile(r"'(?:[^'\\\n\r]|" + _ECHAR + "|" + _UCHAR_RE + r")*+'"),
    '"': re.compile(r'"(?:[^"\\\n\r]|' + _ECHAR + "|" + _UCHAR_RE + r')*+"'),
}
_UCHAR = re.compile(_UCHAR_RE)

# Words that start an outward clause; found anywhere inside a word or prefix they are refused.
OUTWARD = re.compile("SERVICE|FROM|LOAD")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Inside parentheses, `<` right after one of these cannot be the less-than sign.
_BEFORE_OPERAND = frozenset("(,=!<&|+/^*")
_SPECIAL_IN_IRI = re.compile(r"[#'()\[\]]")

# Update operations (SPARQL 1.1 Update). In a query none of these words can appear bare.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
PROLOGUE = ("BASE", "PREFIX", "VERSION")

# token kinds
WORD, PNAME, IRI, VAR, STRING, LANG, BNODE, OTHER = (
    "word", "pname", "iri", "var", "string", "lang", "bnode", "other"
)


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
    undeclared: tuple[str, ...] = ()  # prefixes used but neither declared nor predeclared, in order
    slashed: str | None = None  # a prefixed name followed by "/", e.g. id:claim/c16, as written
    depth: int = 0  # deepest nesting of ( [ {
    lexical: str | None = None  # where the lexer cannot be sure what the engine reads: refuse


class _Refuse(Exception):
    """The seal cannot be sure what the engine would read: refuse (message names where)."""


def _where(query: str, pos: int) -> str:
    line = query.count("\n", 0, pos) + 1
    column = pos - (query.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _shown(text: str) -> str:
    return "`" + (text if len(text) <= 60 else text[:57] + "...") + "`"


def _lex(query: str) -> list[tuple[str, int, int, int]]:
    """(kind, start, end, colon) for each significant token; colon is a prefixed name's `:`.

    Raises _Refuse at an unterminated string or a backslash outside any token: the engine
    cannot accept either, and lexing on from there is where the old lexer went quadratic."""
    out: list[tuple[str, int, int, int]] = []
    append = out.append
    n = len(query)
    pos = 0
    no_prefix_before = 0  # a PN_PREFIX scan that found no `:` ended here: none can start before
    while pos < n:
        c = query[pos]
        if c in " \t\r\n":
            pos = _end(_WS, query, pos)
            continue
        if c == "#":
            pos = _end(_COMMENT, query, pos)
            continue
        if c == "'" or c == '"':
            long = query.startswith(c * 3, pos)
            m = (_LONG if long else _SHORT)[c].match(query, pos)
            if m is None:
                what = c * 3 if long else c
                raise _Refuse(
                    f"the string starting with {what} at {_where(query, pos)} does not end "
                    "(or holds an escape SPARQL does not have)"
                    + (f"; the engine would read it as {c * 2} then {c}…" if long else "")
                )
            append((STRING, pos, m.end(), -1))
            pos = m.end()
            continue
        if c == "<":
            m = _IRI.match(query, pos)
            if m is not None:
                append((IRI, pos, m.end(), -1))
                pos = m.end()
            else:
                append((OTHER, pos, pos + 1, -1))
                pos += 1
            continue
        if c == "?" or c == "$":
            m = _VAR.match(query, pos)
            if m is not None:
                append((VAR, pos, m.end(), -1))
                pos = m.end()
            else:
                append((OTHER, pos, pos + 1, -1))
                pos += 1
            continue
        if c == "@":
            m = _LANG.match(query, pos)
            if m is not None:
                append((LANG, pos, m.end(), -1))
                pos = m.end()
            else:
                append((OTHER, pos, pos + 1, -1))
                pos += 1
            continue
        if c == "\\":
            raise _Refuse(
                f"a backslash outside a string, IRI or prefixed name (at {_where(query, pos)}): "
                "the engine rejects it, and the seal does not guess what it was meant to be"
            )
        if c == "_" and query.startswith("_:", pos):
            m = _BNODE.match(query, pos)
            if m is not None:
                append((BNODE, pos, m.end(), -1))
                pos = m.end()
                continue
        if c == ":" or (pos >= no_prefix_before and _PN_BASE_CHAR.match(c)):
            colon = pos if c == ":" else _end(_PREFIX, query, pos)
            if query.startswith(":", colon):
                m = _LOCAL.match(query, colon + 1)
                end = m.end() if m is not None else colon + 1
                append((PNAME, pos, end, colon))
                pos = end
                continue
            no_prefix_before = colon
        if _NAME_CHAR.match(c):
            end = _end(_WORD, query, pos)
            append((WORD, pos, end, -1))
            pos = end
            continue
        append((OTHER, pos, pos + 1, -1))
        pos += 1
    return out


def tokens(query: str) -> list[Token]:
    """Significant tokens (no whitespace/comments); strings/IRIs/names kept whole."""
    try:
        lexed = _lex(query)
    except _Refuse:
        return []
    return [Token(kind, query[start:end], start) for kind, start, end, _ in lexed]


CACHE_QUERY_CHARS = 4096  # longer queries are lexed every time: the cache holds at most ~16 MB
# Up to this length a check takes at most a few ms even on a hostile query, so the server may run
# it on the event loop; longer ones go to a thread (protocol.read_query).
INLINE_QUERY_CHARS = 2048


class Prefixes(tuple[tuple[str, str], ...]):
    """(prefix, namespace) pairs: a key of the verdict cache on every request, so its hash is
    computed once."""

    _hash: int | None = None

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = super().__hash__()
        return self._hash


NO_PREFIXES = Prefixes()


def inspect_query(query: str, predeclared: Prefixes = NO_PREFIXES, base: str | None = None) -> Verdict:
    """Report the query's form and its outward clauses (cached for ordinary-size queries).
    `predeclared`: the prefixes the engine is given besides the query's own PREFIX lines; `base`:
    the base IRI it is given (its `base_iri`), which a BASE in the query replaces."""
    if len(query) <= CACHE_QUERY_CHARS:
        return _inspect_cached(query, predeclared, base)
    return _inspect(query, predeclared, base)


@lru_cache(maxsize=4096)
def _inspect_cached(query: str, predeclared: Prefixes, base: str | None) -> Verdict:
    return _inspect(query, predeclared, base)


_EMPTY_STORE = ox.Store()  # in memory, empty: resolves BASE as the engine does, runs no SERVICE


def _unescape(raw: str) -> str | None:
    """An IRIREF's text with \\u/\\U escapes decoded (the lexer let no other backslash in)."""
    if "\\" not in raw:
        return raw
    try:
        return _UCHAR.sub(lambda m: chr(int(m.group()[2:], 16)), raw)
    except (ValueError, OverflowError):  # beyond U+10FFFF: the engine rejects it too
        return None


def _absolute(iri: str) -> str | None:
    """iri when the engine's IRI parser (oxiri, through pyoxigraph.NamedNode) accepts it."""
    try:
        return ox.NamedNode(iri).value
    except ValueError:  # also UnicodeEncodeError: a \\uD800 surrogate, rejected by the engine too
        return None


def _end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where a token that the current character has already started ends (it always matches)."""
    match = pattern.match(text, pos)
    assert match is not None, (pattern.pattern, pos)
    return match.end()


def _resolve_against(base: str, raw: str) -> str | None:
    """What the engine makes of `<raw>` under BASE <base>, asked of the engine itself (RFC 3986
    resolution as oxiri does it; urllib's urljoin differs, e.g. on `urn:` bases and empty
    references). raw holds no `>`, so it cannot end the probe's IRI early."""
    try:
        solutions = _EMPTY_STORE.query("SELECT ?i WHERE { BIND(<" + raw + "> AS ?i) }", base_iri=base)
        assert isinstance(solutions, ox.QuerySolutions)
        for solution in solutions:
            value = solution["i"]
            return value.value if isinstance(value, ox.NamedNode) else None
    except (SyntaxError, ValueError, OSError):
        return None
    return None


def _inspect(query: str, predeclared: Prefixes = NO_PREFIXES, given_base: str | None = None) -> Verdict:
    form: str | None = None
    update: str | None = None
    services: list[str] = []
    froms: list[str] = []
    from_named: list[str] = []
    problems: list[str] = []
    try:
        toks = _lex(query)
        n = len(toks)
        prefixes: dict[str, str] = dict(predeclared)
        undeclared: dict[str, None] = {}
        slashed: str | None = None
        base: str | None = given_base
        resolved: dict[tuple[str, str], str | None] = {}  # engine answers under BASE, this query

        def text(k: int) -> str:
            return query[toks[k][1]:toks[k][2]]

        def upper(k: int) -> str:
            return text(k).translate(_ASCII_UPPER)

        def kind(k: int) -> str | None:
            return toks[k][0] if k < n else None

        def resolve(k: int) -> str | None:
            """The IRI the engine makes of token k (an IRI or a prefixed name), None if none."""
            tkind, start, end, colon = toks[k]
            if tkind == IRI:
                iri = _unescape(query[start + 1:end - 1])
                if iri is None:
                    return None
                if base is None:
                    return _absolute(iri)
                key = (base, query[start + 1:end - 1])
                if key not in resolved:
                    resolved[key] = _resolve_against(*key)
                return resolved[key]
            if tkind == PNAME:
                prefix = query[start:colon]
                if prefix not in prefixes:
                    return None
                return _absolute(prefixes[prefix] + query[colon + 1:end].replace("\\", ""))
            return None

        def refuse_name(k: int, reason: str) -> None:
            raise _Refuse(
                f"{_shown(text(k))} at {_where(query, toks[k][1])}: {reason}. The SPARQL engine "
                "reads a keyword even when nothing separates it from what follows, so it could "
                "read SERVICE, FROM or LOAD here. Separate keywords from what follows (e.g. "
                "`SERVICE SILENT <iri>`, `FROM NAMED <iri>`) and use no word or prefix holding them"
            )

        # -- prologue: BASE / PREFIX / VERSION, only at the start, each understood completely
        i = 0
        while i < n and kind(i) in (WORD, PNAME):
            word = upper(i)
            if kind(i) == WORD and word == "BASE" and kind(i + 1) == IRI:
                base = resolve(i + 1)
                if base is None:
                    raise _Refuse(f"BASE {_shown(text(i + 1))} at {_where(query, toks[i][1])} "
                                  "is not an IRI the engine accepts")
                i += 2
            elif (kind(i) == WORD and word == "PREFIX" and kind(i + 1) == PNAME
                  and toks[i + 1][3] == toks[i + 1][2] - 1 and kind(i + 2) == IRI):
                name = query[toks[i + 1][1]:toks[i + 1][3]]
                if OUTWARD.search(name.translate(_ASCII_UPPER)):
                    refuse_name(i + 1, "a prefix holding SERVICE, FROM or LOAD")
                target = resolve(i + 2)
                if target is None:
                    raise _Refuse(f"PREFIX {name}: {_shown(text(i + 2))} at "
                                  f"{_where(query, toks[i][1])} is not an IRI the engine accepts")
                prefixes[name] = target
                i += 3
            elif (kind(i) == WORD and word == "VERSION" and kind(i + 1) == STRING
                  and not text(i + 1).startswith(("'''", '"""'))):
                i += 2
            elif word.startswith(PROLOGUE):
                raise _Refuse(
                    f"{_shown(text(i))} at {_where(query, toks[i][1])} may be read by the engine "
                    "as a BASE, PREFIX or VERSION declaration the seal cannot follow: write it "
                    "as `PREFIX ex: <iri>`, `BASE <iri>` (spaced, one declaration each)"
                )
            else:
                break

        # -- the rest: every word, prefix and IRI token
        # Open brackets: "(", "[", "{", and "data" for the `{` of a VALUES block, "row" for a `(`
        # in it (the engine reads only terms there, so `<` cannot be less-than).
        stack: list[str] = []
        depth = 0  # the deepest nesting of brackets seen: the engine recurses once per level
        values = ""  # after VALUES: "VALUES", then "vars" inside `( ?a ?b`, then "{" before the block
        prev = ""  # previous significant token: its kind, or the character of an OTHER token
        while i < n:
            tkind, start, end, colon = toks[i]
            if tkind == OTHER:
                ch = query[start]
                if ch == "{":
                    stack.append("data" if values == "{" else "{")
                elif ch == "(":
                    stack.append("row" if stack and stack[-1] in ("data", "row") else "(")
                elif ch == "[":
                    stack.append("[")
                elif ch in ")}]" and stack:
                    stack.pop()
                depth = max(depth, len(stack))
                values = ("vars" if values == "VALUES" and ch == "("
                          else "{" if values == "vars" and ch == ")" else "")
                prev = ch
                i += 1
                continue
            values = ("{" if tkind == VAR and values == "VALUES" else
                      values if tkind == VAR and values == "vars" else
                      "VALUES" if tkind == WORD and upper(i) == "VALUES" else "")
            if tkind == IRI:
                if (stack and stack[-1] == "(" and prev not in _BEFORE_OPERAND
                        and _SPECIAL_IN_IRI.search(query, start + 1, end - 1)):
                    raise _Refuse(
                        f"the IRI {_shown(text(i))} at {_where(query, start)} follows a value "
                        "inside parentheses, where the engine may read `<` as less-than and the "
                        "rest as code: write its #, ', (, ), [ or ] as \\u escapes "
                        "(e.g. \\u0023 for #) or use a prefixed name"
                    )
            elif tkind == PNAME:
                if query[start:colon] not in prefixes:
                    undeclared.setdefault(query[start:colon])
                if (slashed is None and query.startswith("/", end) and i + 1 < n and toks[i + 1][1] == end
                        and not _PATH_STEP.match(query, end + 1)):
                    slashed = query[start:_end(_REST_OF_NAME, query, end)]
                if OUTWARD.search(query[start:colon].translate(_ASCII_UPPER)):
                    refuse_name(i, "a prefix holding SERVICE, FROM or LOAD")
                if OUTWARD.search(query[colon + 1:end].translate(_ASCII_UPPER)) and resolve(i) is None:
                    refuse_name(i, "its prefix is undeclared or makes no valid IRI with the rest, "
                                   "so the engine would read what follows the `:` as code")
            elif tkind == WORD:
                word = upper(i)
                if OUTWARD.search(word) and word not in ("SERVICE", "FROM", "LOAD"):
                    refuse_name(i, "a word holding SERVICE, FROM or LOAD")
                if word in PROLOGUE:
                    raise _Refuse(f"{_shown(text(i))} at {_where(query, start)}: declarations "
                                  "come only at the start of a query")
                if form is None and update is None and word in QUERY_FORMS:
                    form = word
                elif word in UPDATE_KEYWORDS and update is None:
                    update = word
                elif word == "SERVICE":
                    j = i + 1
                    silent = kind(j) == WORD and upper(j) == "SILENT"
                    if silent:
                        j += 1
                    if kind(j) == VAR:
                        services.append(text(j))
                        problems.append(f"SERVICE {text(j)}")
                    elif kind(j) in (IRI, PNAME):
                        if (kind(j) == PNAME and not silent and query[toks[j][1]:toks[j][3]]
                                .translate(_ASCII_UPPER).startswith("SILENT")):
                            raise _Refuse(
                                f"SERVICE {_shown(text(j))} at {_where(query, start)} is "
                                "ambiguous: the engine may read SILENT and then another "
                                "prefixed name; use a prefix not starting with SILENT"
                            )
                        target = resolve(j)
                        if target is None:
                            services.append(text(j))
                            problems.append(f"SERVICE {text(j)}")
                        else:
                            services.append(target)
                    else:
                        shown = text(j) if j < n else "(nothing)"
                        services.append(shown)
                        problems.append(f"SERVICE {shown}")
                elif word == "FROM":
                    j = i + 1
                    named = kind(j) == WORD and upper(j) == "NAMED"
                    if named:
                        j += 1
                    clause = "FROM NAMED" if named else "FROM"
                    if (kind(j) == PNAME and not named and query[toks[j][1]:toks[j][3]]
                            .translate(_ASCII_UPPER).startswith("NAMED")):
                        raise _Refuse(
                            f"FROM {_shown(text(j))} at {_where(query, start)} is ambiguous: "
                            "the engine may read NAMED and then another prefixed name; use a "
                            "prefix not starting with NAMED"
                        )
                    target = resolve(j) if kind(j) in (IRI, PNAME) else None
                    if target is None:
                        problems.append(f"{clause} {text(j) if j < n else '(nothing)'}")
                    else:
                        (from_named if named else froms).append(target)
            prev = tkind
            i += 1
    except _Refuse as refusal:
        return Verdict(form=form, update=update, lexical=str(refusal))
    return Verdict(
        form=form,
        update=update,
        services=tuple(services),
        from_graphs=tuple(froms),
        from_named_graphs=tuple(from_named),
        problems=tuple(problems),
        undeclared=tuple(undeclared),
        slashed=slashed,
        depth=depth,
    )
