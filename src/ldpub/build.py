"""`ldpub build`: load the sources, materialise, validate, and write dist/.

`load_sources(settings)` and `build_dataset(settings, out_dir)` are plain functions so the
server and the pages can reuse them.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, Quad

from ldpub import vocab
from ldpub.config import Settings, load_settings
from ldpub.dumps import DUMP_FORMATS, gzip_bytes, jsonld_bytes, rdf_bytes, sha256sums, write_bytes
from ldpub.materialise import by_graph, materialise
from ldpub.rdfio import format_for
from ldpub.validate import Report, validate_quads

CONTEXT_FILE = vocab.CONTEXT_FILE  # in the ontology folder; published as dist/context.jsonld


class BuildError(RuntimeError):
    """The sources do not validate; the message is the readable report."""


# ---------------------------------------------------------------- loading


def _parse(path: Path) -> list[Quad]:
    return list(ox.parse(path=str(path), format=format_for(path)))


def canonical(quads: list[Quad]) -> list[Quad]:
    """Blank nodes get stable labels (RDFC-1.0), so files with lists serialise the same every time."""
    if not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def is_shapes_file(path: Path) -> bool:
    return path.name.startswith("shapes")


@dataclass
class Sources:
    settings: Settings
    ontology: list[Quad]  # ontology/*.ttl except shapes: the default graph
    shapes: list[Quad]  # ontology/shapes*.ttl: published apart, never in the data dumps
    data: list[Quad]  # data/*.ttl and data/*.trig
    files: list[Path] = field(default_factory=list)

    @cached_property
    def dataset(self) -> list[Quad]:
        """The dataset as served and dumped: ontology + data, materialised (docs/modelling.md)."""
        ontology_triples = {(q.subject, q.predicate, q.object) for q in self.ontology}
        return canonical(list(materialise(self.ontology + self.data, ontology_triples, self.settings.base_iri)))


def source_files(settings: Settings) -> tuple[list[Path], list[Path]]:
    """(ontology files, data files): top level only, so data/queries and tests are never loaded."""
    ontology = sorted(settings.ontology_path.glob("*.ttl"))
    data = sorted([*settings.data_path.glob("*.ttl"), *settings.data_path.glob("*.trig")])
    return ontology, data


def load_sources(settings: Settings, data_files: list[Path] | None = None) -> Sources:
    ontology_files, default_data = source_files(settings)
    data_files = default_data if data_files is None else [Path(p) for p in data_files]
    ontology, shapes = [], []
    for path in ontology_files:
        (shapes if is_shapes_file(path) else ontology).extend(_parse(path))
    data = [q for path in data_files for q in _parse(path)]
    return Sources(settings, ontology, canonical(shapes), data, [*ontology_files, *data_files])


def context_document(settings: Settings) -> dict:
    """The published JSON-LD context (one reader: ldpub.vocab); the build cannot go on without it."""
    ctx = vocab.context_document(settings)
    if ctx is None:
        raise BuildError(f"{settings.ontology_path / vocab.CONTEXT_FILE} is missing or not a JSON-LD context")
    return ctx


# ---------------------------------------------------------------- building


@dataclass
class BuildResult:
    out_dir: Path
    paths: dict[str, Path]  # file name -> path written
    counts: dict[str, int]  # quads, default-graph triples, named graphs, ...
    graph_counts: dict[str, int]  # graph name ("" = default) -> triples
    report: Report
    seconds: dict[str, float]


def graph_counts(quads: list[Quad]) -> dict[str, int]:
    return {("" if isinstance(g, DefaultGraph) else g.value): len(t) for g, t in sorted(by_graph(quads).items(), key=lambda kv: str(kv[0]))}


def dump_files(sources: Sources) -> dict[str, bytes]:
    """Every file of dist/ but void.ttl and SHA256SUMS, as bytes."""
    settings, pfx = sources.settings, vocab.namespaces(sources.settings)
    files: dict[str, bytes] = {}
    for suffix, fmt in DUMP_FORMATS.items():
        if suffix == "jsonld":
            data = jsonld_bytes(sources.dataset, context_document(settings))
        else:
            data = rdf_bytes(sources.dataset, fmt, pfx)
        files[f"dataset.{suffix}"] = data
        files[f"dataset.{suffix}.gz"] = gzip_bytes(data)
    files["ontology.ttl"] = rdf_bytes(sources.ontology, ox.RdfFormat.TURTLE, pfx)
    files["shapes.ttl"] = rdf_bytes(sources.shapes, ox.RdfFormat.TURTLE, pfx)
    files[CONTEXT_FILE] = (settings.ontology_path / CONTEXT_FILE).read_bytes()
    return files


def build_dataset(settings: Settings, out_dir: Path | None = None, validate: bool = True) -> BuildResult:
    """Load, materialise, validate (BuildError on any violation) and write the dist files."""
    from ldpub.catalog import void_description

    out_dir = Path(out_dir or settings.dist_path)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    sources = load_sources(settings)
    dataset = sources.dataset
    timings["load_and_materialise"] = time.perf_counter() - t
    t = time.perf_counter()
    report = validate_quads(dataset, sources.shapes, settings) if validate else Report()
    timings["validate"] = time.perf_counter() - t
    if not report.conforms:
        raise BuildError(report.text(vocab.namespaces(settings)))
    t = time.perf_counter()
    files = dump_files(sources)
    files["void.ttl"] = void_description(settings, dataset, files, vocab.namespaces(settings))
    files["SHA256SUMS"] = sha256sums(files)
    paths = {name: write_bytes(out_dir / name, data) for name, data in sorted(files.items())}
    timings["write"] = time.perf_counter() - t
    counts_by_graph = graph_counts(dataset)
    counts = {
        "quads": len(dataset),
        "default_graph_triples": counts_by_graph.get("", 0),
        "named_graphs": len(counts_by_graph) - ("" in counts_by_graph),
        "distinct_triples": len({(q.subject, q.predicate, q.object) for q in dataset}),  # void:triples
        "source_quads": len(sources.ontology) + len(sources.data),
        "shapes_triples": len(sources.shapes),
    }
    return BuildResult(out_dir, paths, counts, counts_by_graph, report, timings)


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: dist_dir of ldpub.toml)")
    parser.add_argument("--report", action="store_true", help="print the full validation report, warnings included")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        result = build_dataset(settings, args.out)
    except BuildError as err:
        print(err)
        print("ldpub build: FAILED, the data does not validate; nothing was written.")
        return 1
    if args.report:
        print(result.report.text(vocab.namespaces(settings)))
    c = result.counts
    # the words of void.ttl and the landing page
    print(f"ldpub build: {c['quads']} quads: {c['default_graph_triples']} triples in the default graph + "
          f"{c['quads'] - c['default_graph_triples']} triples in the named graphs ({c['named_graphs']}, one per "
          f"claim); {c['distinct_triples']} distinct triples (void:triples); "
          f"{result.report.count('Warning')} warning(s)")
    print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items()))
    for name, path in result.paths.items():
        print(f"  {path}  ({path.stat().st_size} bytes)")
    return 0
