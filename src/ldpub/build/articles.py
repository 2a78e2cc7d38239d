"""Articles: one folder each under data/articles/ (README, "Publish your next article").

    article.toml      title, author, date, licence… and the SHA-256 of the text (docs/modelling.md)
    article.txt       the exact text (or `text = "…"`: its path in the project, as kzm:textFile has it)
    *.toml            claims in the compact form: one [[claim]] record each
    *.ttl             entities new with this article (shared ones stay in data/entities.ttl)

The build derives what an editor should not write: the claim's evidence node, its two selectors, the
offsets (code points), the paragraph, and the article's own description. The RDF is the shape the
verbose TriG had (docs/modelling.md, "Claims"), so readers of the data see no difference.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from ldpub import ns
from ldpub.build.text import nearest_passage, occurrences, paragraph_of
from ldpub.build.validate import read_text_file
from ldpub.errors import BuildError
from ldpub.ns import DCTERMS, OA, PROV, RDF_TYPE, RDFS, SCHEMA, XSD
from ldpub.settings import Settings, confined_path
from ldpub.store import reading

ARTICLE_FILE = "article.toml"
TEXT_FILE = "article.txt"

_ARTICLE_KEYS = {"title", "language", "text", "sha256", "text-end", "author", "publisher", "date",
                 "not-published-before", "url", "licence", "about", "comment", "first-article", "defaults"}
_CLAIM_KEYS = {"id", "status", "label", "quote", "occurrence", "attributed-to", "source", "comment",
               "relations", "assertion"}
_DEFAULT_KEYS = {"attributed-to", "source"}
_FILE_KEYS = {"claim", "defaults", "prefixes"}


def _nni(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "nonNegativeInteger"))


@dataclass(frozen=True)
class Article:
    folder: Path
    slug: str | None  # None: the first article, whose IRIs predate article-scoped ones
    iri: str
    claims_base: str  # namespace of its claims; relative IRIs in its claims files resolve here
    meta: dict[str, Any]
    text_path: Path
    text: str  # up to text-end: a quote past it would come from the page furniture

    @property
    def language(self) -> str:
        return str(self.meta.get("language", "en"))


class Terms:
    """Prefixed names and <IRIs> written in article.toml and claims files, expanded with the
    publication's prefixes (ontology/context.jsonld) and a file's own [prefixes]."""

    _NAME = re.compile(r"([A-Za-z][\w.-]*)?:([^\s<>\"]*)")

    def __init__(self, prefixes: dict[str, str], base: str) -> None:
        self.prefixes, self.base = prefixes, base

    def header(self) -> str:
        lines = [f"@prefix {p}: <{iri}> ." for p, iri in sorted(self.prefixes.items())]
        return "\n".join([*lines, f"@base <{self.base}> ."]) + "\n"

    def iri(self, value: object) -> str | None:
        """The IRI of `prefix:local` or `<iri>` (relative to the claims' namespace); None if neither."""
        if not isinstance(value, str):
            return None
        value = value.strip()
        if value.startswith("<") and value.endswith(">"):
            inner = value[1:-1]
            return inner if ":" in inner else self.base + inner
        match = self._NAME.fullmatch(value)
        if match and (match.group(1) or "") in self.prefixes:
            return self.prefixes[match.group(1) or ""] + match.group(2)
        return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise BuildError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def article_folders(settings: Settings) -> list[Path]:
    return sorted(p.parent for p in settings.articles_path.glob(f"*/{ARTICLE_FILE}"))


def _check_meta(path: Path, meta: dict[str, Any]) -> None:
    """The types article.toml's values must have; BuildError naming the key otherwise."""
    def bad(key: str, what: str) -> BuildError:
        return BuildError(f"{path}: `{key}` = {meta[key]!r} must be {what}")
    for key in ("language", "text", "sha256", "author", "publisher", "url", "licence", "comment"):
        if key in meta and not isinstance(meta[key], str):
            raise bad(key, "a string")
    if "text-end" in meta and (not isinstance(meta["text-end"], int) or isinstance(meta["text-end"], bool) or meta["text-end"] < 0):
        raise bad("text-end", "a whole number of characters (code points)")
    for key in ("date", "not-published-before"):
        if key in meta and not (isinstance(meta[key], date) and not isinstance(meta[key], datetime)):
            raise bad(key, "a date written YYYY-MM-DD, without quotes")
    if "about" in meta and not (isinstance(meta["about"], list) and all(isinstance(a, str) for a in meta["about"])):
        raise bad("about", 'a list of prefixed names or <IRIs>, e.g. ["id:karim-masimov"]')
    if "defaults" in meta and not isinstance(meta["defaults"], dict):
        raise bad("defaults", "a table ([defaults])")
    if "first-article" in meta and not isinstance(meta["first-article"], bool):
        raise bad("first-article", "true or false")


def load_article(folder: Path, settings: Settings) -> Article:
    path = folder / ARTICLE_FILE
    meta = _read_toml(path)
    unknown = sorted(set(meta) - _ARTICLE_KEYS)
    if unknown:
        raise BuildError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_ARTICLE_KEYS))})")
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise BuildError(f"{path}: `title` is missing")
    _check_meta(path, meta)
    slug = None if meta.get("first-article") is True else folder.name
    iris = settings.iris
    text_path = (settings.root / meta["text"] if "text" in meta else folder / TEXT_FILE).resolve()
    name = os.path.relpath(text_path, settings.root.resolve())
    problem, raw = read_text_file(confined_path(settings.root, name), name)
    if problem:  # the claims' offsets come from the text: without it nothing can be placed
        raise BuildError(f"{path}: {problem} The article's quotes cannot be placed without it.")
    text = raw.decode("utf-8")
    end = meta.get("text-end")
    if isinstance(end, int) and 0 <= end <= len(text):
        text = text[:end]
    return Article(folder, slug, iris.article_iri(slug), iris.claims_of(slug), meta, text_path, text)


def article_quads(article: Article, settings: Settings) -> list[Quad]:
    """The article's description, its claims (expanded) and its own entities."""
    terms = Terms(dict(ns.namespaces(settings)), article.claims_base)
    quads = _description(article, settings, terms)
    for path in sorted(article.folder.glob("*.toml")):
        if path.name != ARTICLE_FILE:
            quads += claims_quads(article, path, settings)
    for path in sorted(article.folder.glob("*.ttl")):
        with reading(path) as fmt:
            quads += ox.parse(path=str(path), format=fmt)
    return quads


def _description(article: Article, settings: Settings, terms: Terms) -> list[Quad]:
    """schema:Article with kzm:textFile, kzm:sha256… (the shape the site reads), from article.toml."""
    meta, path, lang = article.meta, article.folder / ARTICLE_FILE, article.language
    kzm = settings.iris.term
    s = NamedNode(article.iri)
    text_file = Path(os.path.relpath(article.text_path, settings.root.resolve())).as_posix()
    triples: list[tuple[str, Any]] = [
        (RDF_TYPE.value, NamedNode(SCHEMA + "Article")), (RDF_TYPE.value, NamedNode(PROV + "Entity")),
        (SCHEMA + "name", Literal(meta["title"], language=lang)), (RDFS + "label", Literal(meta["title"], language=lang)),
        (SCHEMA + "inLanguage", Literal(lang)), (kzm("textFile"), Literal(text_file)),
    ]
    if "sha256" in meta:  # required: `ldpub validate` reports an article without one
        triples.append((kzm("sha256"), Literal(str(meta["sha256"]))))
    if "text-end" in meta:
        triples.append((kzm("textEnd"), _nni(int(meta["text-end"]))))
    for key, prop in (("date", SCHEMA + "datePublished"), ("not-published-before", kzm("notPublishedBefore"))):
        if key in meta:
            triples.append((prop, Literal(str(meta[key]), datatype=NamedNode(XSD + "date"))))
    for key, prop in (("author", SCHEMA + "author"), ("publisher", SCHEMA + "publisher"),
                      ("url", SCHEMA + "url"), ("licence", SCHEMA + "license")):
        if key in meta:
            value = meta[key]
            iri = value if key in ("url", "licence") and isinstance(value, str) and "://" in value else terms.iri(value)
            if iri is None:
                raise BuildError(f"{path}: `{key}` = {value!r} is not an IRI (<…>) or a prefixed name of the publication")
            triples.append((prop, NamedNode(iri)))
    for about in meta.get("about", []):
        iri = terms.iri(about)
        if iri is None:
            raise BuildError(f"{path}: `about` = {about!r} is not an IRI (<…>) or a prefixed name of the publication")
        triples.append((SCHEMA + "about", NamedNode(iri)))
    if "comment" in meta:
        triples.append((RDFS + "comment", Literal(str(meta["comment"]), language=lang)))
    quads = [Quad(s, NamedNode(p), o) for p, o in triples]
    quads.append(Quad(NamedNode(settings.iris.dataset), NamedNode(DCTERMS + "source"), s))
    return quads


def _record_line(raw: str, local: str) -> str:
    """'line N' of the record whose id is `local`, for messages (tomllib gives no positions)."""
    match = re.search(rf"^\s*id\s*=\s*[\"']{re.escape(local)}[\"']", raw, re.MULTILINE)
    return f"line {raw.count(chr(10), 0, match.start()) + 1}" if match else "?"


def claims_quads(article: Article, path: Path, settings: Settings) -> list[Quad]:
    """The RDF of one claims file. Every problem of the file is reported at once, each naming the
    file, the record and what is wrong."""
    doc = _read_toml(path)
    raw = path.read_text(encoding="utf-8")
    problems: list[str] = []
    unknown = sorted(set(doc) - _FILE_KEYS)
    if unknown:
        raise BuildError(f"{path}: unknown top-level key(s) {', '.join(unknown)} (known: {', '.join(sorted(_FILE_KEYS))})")
    for key in ("prefixes", "defaults"):
        if not isinstance(doc.get(key, {}), dict):
            raise BuildError(f"{path}: `{key}` must be a table ([{key}])")
    if not isinstance(doc.get("claim", []), list) or not all(isinstance(r, dict) for r in doc.get("claim", [])):
        raise BuildError(f"{path}: claims are written as [[claim]] tables, one per claim")
    terms = Terms({**ns.namespaces(settings), **doc.get("prefixes", {})}, article.claims_base)
    defaults = {**article.meta.get("defaults", {}), **doc.get("defaults", {})}
    bad_defaults = sorted(set(defaults) - _DEFAULT_KEYS)
    if bad_defaults:
        raise BuildError(f"{path}: unknown key(s) in [defaults]: {', '.join(bad_defaults)} (known: {', '.join(sorted(_DEFAULT_KEYS))})")
    defaults.setdefault("attributed-to", article.meta.get("author"))
    defaults.setdefault("source", f"<{article.iri}>")
    quads: list[Quad] = []
    seen: set[str] = set()
    for n, record in enumerate(doc.get("claim", []), 1):
        local = str(record.get("id", ""))
        where = f"{path}: claim {local or f'#{n}'} ({_record_line(raw, local) if local else f'record {n}'})"
        if local in seen:
            problems.append(f"{where}: the id is used twice in this file")
        seen.add(local)
        try:
            quads += _claim(article, record, {**defaults}, terms, settings)
        except ClaimProblem as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise BuildError("\n".join(problems))
    return quads


class ClaimProblem(Exception):
    pass


def _required(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ClaimProblem(f"`{key}` is missing or empty")
    return value


def _turtle(terms: Terms, body: str, what: str) -> list[Quad]:
    header = terms.header()
    try:
        return list(ox.parse(header + body, format=ox.RdfFormat.TRIG))
    except SyntaxError as exc:
        line = (exc.lineno or 0) - header.count("\n")
        raise ClaimProblem(f"{what} is not valid Turtle (its line {max(line, 1)}): {exc.msg}") from None


def locate(text: str, quote: str, occurrence: object) -> int:
    """The start offset of the quote in the text; ClaimProblem when absent or ambiguous."""
    found = occurrences(text, quote)
    if not found:
        at, passage = nearest_passage(text, quote)
        raise ClaimProblem(f"the quote is not in the text; the nearest passage, at offset {at} "
                           f"(paragraph {paragraph_of(text, at)}), is {passage!r}")
    if occurrence is None:
        if len(found) > 1:
            raise ClaimProblem(f"the quote occurs {len(found)} times (offsets {', '.join(map(str, found))}); "
                               f"say which with `occurrence = 1` … `{len(found)}`, or quote more")
        return found[0]
    if not isinstance(occurrence, int) or not 1 <= occurrence <= len(found):
        raise ClaimProblem(f"`occurrence = {occurrence!r}`, but the quote occurs {len(found)} time(s)")
    return found[occurrence - 1]


def _claim(article: Article, record: dict[str, Any], defaults: dict[str, Any], terms: Terms,
           settings: Settings) -> list[Quad]:
    unknown = sorted(set(record) - _CLAIM_KEYS)
    if unknown:
        raise ClaimProblem(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_CLAIM_KEYS))})")
    iris, kzm, lang = settings.iris, settings.iris.term, article.language
    local, quote = _required(record, "id"), _required(record, "quote")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", local):
        raise ClaimProblem("`id` must be letters, digits, - or _ (it ends the claim's IRI)")
    start = locate(article.text, quote, record.get("occurrence"))
    claim = NamedNode(iris.claim(local, article.slug))
    evidence = NamedNode(iris.evidence(claim.value))
    q_sel, p_sel = NamedNode(iris.quote_selector(claim.value)), NamedNode(iris.position_selector(claim.value))
    attributed = terms.iri(record.get("attributed-to", defaults["attributed-to"]))
    if attributed is None:
        raise ClaimProblem("`attributed-to` is missing (and article.toml has no `author`) or not a prefixed name or <IRI>")
    source_value = record.get("source", defaults["source"])
    source = None if source_value is False else terms.iri(source_value)
    if source is None and source_value is not False:
        raise ClaimProblem(f"`source` = {source_value!r} is not a prefixed name or <IRI> (false: no source document)")
    triples: list[tuple[NamedNode, str, Any]] = [
        (claim, RDF_TYPE.value, NamedNode(kzm("Claim"))),
        (claim, RDFS + "label", Literal(_required(record, "label"), language=lang)),
        (claim, kzm("status"), NamedNode(iris.status(_required(record, "status")))),
        (claim, PROV + "wasAttributedTo", NamedNode(attributed)),
        (claim, kzm("paragraph"), _nni(paragraph_of(article.text, start))),
        (claim, kzm("evidence"), evidence),
        (evidence, RDF_TYPE.value, NamedNode(OA + "SpecificResource")),
        (evidence, OA + "hasSource", NamedNode(article.iri)),
        (evidence, OA + "hasSelector", q_sel), (evidence, OA + "hasSelector", p_sel),
        (q_sel, RDF_TYPE.value, NamedNode(OA + "TextQuoteSelector")), (q_sel, OA + "exact", Literal(quote)),
        (p_sel, RDF_TYPE.value, NamedNode(OA + "TextPositionSelector")),
        (p_sel, OA + "start", _nni(start)), (p_sel, OA + "end", _nni(start + len(quote))),
    ]
    if source is not None:
        triples.append((claim, kzm("source"), NamedNode(source)))
    if "comment" in record:
        triples.append((claim, RDFS + "comment", Literal(_required(record, "comment"), language=lang)))
    quads = [Quad(s, NamedNode(p), o) for s, p, o in triples]
    relations = str(record.get("relations", "")).strip().rstrip(".")
    if relations:
        quads += _turtle(terms, f"<{claim.value}> {relations} .\n", "`relations`")
    assertion = _required(record, "assertion")
    graph = _turtle(terms, f"<{claim.value}> {{\n{assertion}\n}}\n", "`assertion`")
    if any(not isinstance(q.graph_name, NamedNode) or q.graph_name != claim for q in graph):
        raise ClaimProblem("`assertion` must hold triples only (no named graph of its own)")
    return quads + graph
