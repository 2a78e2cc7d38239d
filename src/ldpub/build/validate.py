"""`ldpub validate`: SHACL over the union of all graphs, plus the checks SHACL cannot express.

The extra checks: every quote equals the article's text at its offsets and its kzm:paragraph is the
paragraph holding it, every named graph is a described claim, every text has a kzm:sha256 and it
matches, and no blank nodes.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyshacl
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad
from rdflib import RDF, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from ldpub.build.materialise import Terms
from ldpub.build.text import paragraph_of
from ldpub.ns import OA, PROV, RDF_TYPE, SH, XSD
from ldpub.settings import Settings, confined_path

XSD_STRING = XSD + "string"
SEVERITIES = ("Violation", "Warning", "Info")
PYSHACL_GRAPHS = "urn:pyshacl:"  # pyshacl's own graphs (inoculation, inference) are not data


@dataclass(frozen=True, order=True)
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    message: str
    check: str = "shacl"  # shacl | quote | provenance | sha256 | blank-node
    shape: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    shacl_seconds: float = 0.0
    check_seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def messages(self, severity: str | None = None) -> list[str]:
        return [f.message for f in self.findings if severity in (None, f.severity)]

    def text(self, prefixes: dict[str, str] | None = None) -> str:
        """One block per finding, violations first, with IRIs shortened by `prefixes`."""
        short = iri_shortener(prefixes or {})
        order = {s: i for i, s in enumerate(SEVERITIES)}
        lines = [
            f"Validation: {'CONFORMS' if self.conforms else 'FAILS'} - "
            + ", ".join(f"{self.count(s)} {s.lower()}(s)" for s in SEVERITIES)
            + f" (SHACL {self.shacl_seconds:.2f} s, other checks {self.check_seconds:.2f} s)"
        ]
        for f in sorted(self.findings, key=lambda f: (order.get(f.severity, 9), f.focus, f.path, f.message)):
            lines.append(f"[{f.severity.upper()}] {f.message}")
            lines.append(f"    focus: {short(f.focus)}")
            if f.path:  # sequence paths are written "a / b / c"
                lines.append("    path:  " + " / ".join(short(step) for step in f.path.split(" / ")))
            lines.append(f"    rule:  {short(f.shape) if f.shape else f.check}")
        return "\n".join(lines)


def iri_shortener(prefixes: dict[str, str]) -> Callable[[str], str]:
    """A function writing an IRI as prefix:local when a namespace fits (the longest wins)."""
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def short(iri: str) -> str:
        for name, ns in ordered:
            if iri.startswith(ns) and "/" not in iri[len(ns):]:
                return f"{name}:{iri[len(ns):]}"
        return iri

    return short


# ---------------------------------------------------------------- SHACL


def _rdflib_term(term: Any) -> Any:
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    # xsd:string stays a plain literal, as rdflib's own parsers make it
    datatype = None if term.datatype.value == XSD_STRING else URIRef(term.datatype.value)
    return Literal(term.value, datatype=datatype)


def _to_rdflib(quads: Iterable[Quad], dataset: bool) -> Any:
    """rdflib copy of pyoxigraph quads, term by term (faster than re-parsing, and exact)."""
    target: Any = Dataset() if dataset else Graph()
    graphs: dict = {}
    # rdflib logs a traceback for every ill-typed literal (e.g. "2017-05-32"^^xsd:date); SHACL
    # reports those as violations, so the log is noise.
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)
    try:
        for q in quads:
            triple = (_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object))
            if not dataset:
                target.add(triple)
            elif isinstance(q.graph_name, DefaultGraph):
                target.default_graph.add(triple)
            else:
                name = q.graph_name.value
                if name not in graphs:
                    graphs[name] = target.graph(_rdflib_term(q.graph_name))
                graphs[name].add(triple)
    finally:
        term_log.setLevel(level)
    return target


def _shacl_findings(results: Graph) -> list[Finding]:
    sh = Namespace(SH)
    findings = []
    for result in results.subjects(RDF.type, sh.ValidationResult):
        def one(pred: URIRef, result: Any = result) -> str:
            value = results.value(result, pred)
            return "" if value is None else str(value)

        path = results.value(result, sh.resultPath)
        findings.append(
            Finding(
                severity=one(sh.resultSeverity).removeprefix(SH) or "Violation",
                focus=one(sh.focusNode),
                path=_path_text(results, path),
                message=one(sh.resultMessage) or f"{one(sh.sourceConstraintComponent)} on value {one(sh.value)}",
                shape=one(sh.sourceShape),
            )
        )
    return findings


def _path_text(results: Graph, path: Any) -> str:
    """A SHACL path as text: an IRI, or a sequence path (an RDF list) as `a / b / c`."""
    if path is None:
        return ""
    if isinstance(path, BNode):
        return " / ".join(str(p) for p in Collection(results, path))
    return str(path)


def run_shacl(quads: Iterable[Quad], shapes: Iterable[Quad]) -> list[Finding]:
    data = _to_rdflib(quads, dataset=True)
    shapes_graph = _to_rdflib(shapes, dataset=False)
    # No inference: the build already materialised the alignment, and RDFS domain/range over
    # the aligned vocabularies would produce wrong types (docs/modelling.md).
    with warnings.catch_warnings():
        # rdflib's Dataset warns about its own deprecated default_context on every lookup
        warnings.simplefilter("ignore", DeprecationWarning)
        _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    return _shacl_findings(results)


# ---------------------------------------------------------------- checks SHACL cannot express


class Index:
    """subject -> predicate -> objects, over the union of all graphs and over the default graph."""

    def __init__(self, quads: Iterable[Quad]):
        self.union: dict = defaultdict(lambda: defaultdict(set))
        self.default: dict = defaultdict(lambda: defaultdict(set))
        self.graph_names: set = set()
        for q in quads:
            self.union[q.subject][q.predicate].add(q.object)
            if isinstance(q.graph_name, DefaultGraph):
                self.default[q.subject][q.predicate].add(q.object)
            else:
                self.graph_names.add(q.graph_name)

    def objects(self, s: Any, p: str, default_only: bool = False) -> set[Any]:
        table = self.default if default_only else self.union
        return table.get(s, {}).get(NamedNode(p), set())

    def subjects_of_type(self, cls: NamedNode) -> list:
        return sorted((s for s, po in self.union.items() if cls in po.get(RDF_TYPE, ())), key=str)


def _int(values: set) -> int | None:
    if len(values) != 1:
        return None
    (value,) = values
    try:
        return int(value.value)
    except (AttributeError, ValueError):
        return None


def _quote_problem(text: str, start: int, end: int, exact: str) -> str | None:
    """None when text[start:end] == exact, else a sentence saying what is wrong."""
    if not 0 <= start < end <= len(text):
        return f"The offsets {start}-{end} are out of range for the article text ({len(text)} characters)."
    found = text[start:end]
    if found == exact:
        return None
    diff = next((i for i, (a, b) in enumerate(zip(found, exact, strict=False)) if a != b), min(len(found), len(exact)))
    return (
        f"The quote does not match the article text at offsets {start}-{end}: first difference at "
        f"character {start + diff}, the article has {found[diff:diff + 12]!r}, the quote has {exact[diff:diff + 12]!r}."
    )


def check_quotes(index: Index, texts: dict[str, str], kzm: Terms, broken: AbstractSet[str] = frozenset()) -> list[Finding]:
    """Every claim's quote equals the text of its source at its offsets (code points). A source
    whose text file is `broken` was reported already: its quotes are not checked, nor reported."""
    findings = []
    KZM = kzm.iris.vocab
    for claim in index.subjects_of_type(kzm.Claim):
        for evidence in index.objects(claim, KZM + "evidence"):
            selectors = index.objects(evidence, OA + "hasSelector")
            exacts = {o.value for s in selectors for o in index.objects(s, OA + "exact")}
            start = _int({o for s in selectors for o in index.objects(s, OA + "start")})
            end = _int({o for s in selectors for o in index.objects(s, OA + "end")})
            sources = index.objects(evidence, OA + "hasSource")
            text = next((texts[s.value] for s in sources if s.value in texts), None)
            if len(exacts) != 1 or start is None or end is None:
                continue  # missing or repeated parts are reported by SHACL
            if text is None:
                if any(s.value in broken for s in sources):
                    continue
                findings.append(Finding("Violation", claim.value, KZM + "evidence",
                                        "The evidence's source (oa:hasSource) is not an article with a readable kzm:textFile.", "quote"))
                continue
            problem = _quote_problem(text, start, end, next(iter(exacts)))
            if problem:
                findings.append(Finding("Violation", claim.value, f"{KZM}evidence / {OA}hasSelector / {OA}exact", problem, "quote"))
                continue
            paragraph, stated = paragraph_of(text, start), _int(index.objects(claim, KZM + "paragraph"))
            if stated is not None and stated != paragraph:
                findings.append(Finding("Violation", claim.value, KZM + "paragraph",
                                        f"kzm:paragraph is {stated}, but the quote (offset {start}) is in paragraph "
                                        f"{paragraph} of the text (0 = title line; paragraphs are separated by blank lines).",
                                        "quote"))
    return findings


def check_provenance(index: Index, kzm: Terms) -> list[Finding]:
    """Every named graph is a claim described in the default graph with status, attribution, evidence."""
    findings = []
    required = {"rdf:type kzm:Claim": None, "kzm:status": kzm.status.value,
                "prov:wasAttributedTo": PROV + "wasAttributedTo", "kzm:evidence": kzm.evidence.value}
    for g in sorted(index.graph_names, key=str):
        if g.value.startswith(PYSHACL_GRAPHS):
            continue
        missing = []
        for label, pred in required.items():
            if pred is None:
                ok = kzm.Claim in index.objects(g, RDF_TYPE.value, default_only=True)
            else:
                ok = bool(index.objects(g, pred, default_only=True))
            if not ok:
                missing.append(label)
        if missing:
            findings.append(Finding("Violation", g.value, "",
                                    f"The named graph has no provenance: the default graph lacks {', '.join(missing)} for it.", "provenance"))
    return findings


def check_blank_nodes(quads: Iterable[Quad]) -> list[Finding]:
    blanks = sorted({str(t) for q in quads for t in (q.subject, q.object, q.graph_name) if isinstance(t, BlankNode)})
    return [Finding("Violation", b, "", "Blank node in the data: every node needs an IRI (docs/modelling.md).", "blank-node") for b in blanks]


def read_text_file(path: Path | None, name: str) -> tuple[str | None, bytes]:
    """(problem, bytes) of an article's kzm:textFile: a sentence saying why it cannot serve as the
    text (outside the project, missing, not a file, unreadable, not UTF-8), or None and its bytes."""
    if path is None:
        return f"The text file {name} is not a file inside the project folder.", b""
    if not path.exists():
        return f"The text file {name} does not exist.", b""
    if not path.is_file():  # a folder, a FIFO (reading it would block): never opened
        return f"The text file {name} is not a regular file.", b""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return f"The text file {name} cannot be read: {exc.strerror or exc}.", b""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"The text file {name} is not UTF-8: invalid byte at offset {exc.start}.", b""
    return None, raw


def article_texts(index: Index, settings: Settings) -> tuple[dict[str, str], list[Finding]]:
    """Text of every node with kzm:textFile, and the findings on those files (one per file that
    cannot be used: on the kzm:textFile path; a checksum that differs: on kzm:sha256)."""
    texts: dict[str, str] = {}
    findings = []
    KZM = settings.iris.vocab
    for node, po in sorted(index.union.items(), key=lambda kv: str(kv[0])):
        for path_lit in po.get(NamedNode(KZM + "textFile"), ()):
            problem, raw = read_text_file(confined_path(settings.root, path_lit.value), path_lit.value)
            if problem is not None:
                findings.append(Finding("Violation", node.value, KZM + "textFile", problem, "sha256"))
                continue
            text = raw.decode("utf-8")
            # The work ends at kzm:textEnd: a quote past it would come from the page furniture.
            for end in po.get(NamedNode(KZM + "textEnd"), ()):
                if end.value.isdigit() and int(end.value) <= len(text):
                    text = text[:int(end.value)]
                else:
                    findings.append(Finding("Violation", node.value, KZM + "textEnd",
                                            f"kzm:textEnd {end.value} is past the end of {path_lit.value} "
                                            f"({len(text)} characters).", "sha256"))
            texts[node.value] = text
            digest = hashlib.sha256(raw).hexdigest()
            if not po.get(NamedNode(KZM + "sha256")):
                findings.append(Finding("Violation", node.value, KZM + "sha256",
                                        f"The article {node.value} has no kzm:sha256 for its text {path_lit.value} "
                                        f"(its SHA-256 is {digest}; an article folder records it in article.toml as "
                                        f"`sha256`).", "sha256"))
            for expected in po.get(NamedNode(KZM + "sha256"), ()):
                if expected.value.lower() != digest:
                    findings.append(Finding("Violation", node.value, KZM + "sha256",
                                            f"The SHA-256 of {path_lit.value} is {digest}, not the recorded {expected.value}.", "sha256"))
    return texts, findings


def extra_checks(quads: list[Quad], settings: Settings) -> list[Finding]:
    index = Index(quads)
    texts, findings = article_texts(index, settings)
    broken = {f.focus for f in findings if f.path == settings.iris.vocab + "textFile"}  # reported once, here
    kzm = Terms(settings.iris)
    return findings + check_quotes(index, texts, kzm, broken) + check_provenance(index, kzm) + check_blank_nodes(quads)


def validate_quads(quads: Iterable[Quad], shapes: Iterable[Quad], settings: Settings) -> Report:
    quads = list(quads)
    report = Report()
    t0 = time.perf_counter()
    report.findings += run_shacl(quads, shapes)
    t1 = time.perf_counter()
    report.findings += extra_checks(quads, settings)
    report.shacl_seconds, report.check_seconds = t1 - t0, time.perf_counter() - t1
    report.findings = sorted(set(report.findings))
    return report
