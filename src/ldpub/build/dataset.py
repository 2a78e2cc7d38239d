"""Building a publication: load the sources, materialise, validate, and write dist/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, Quad

from ldpub import ns
from ldpub.build.catalog import void_description
from ldpub.build.dumps import checksum_file, gzip_bytes
from ldpub.build.materialise import by_graph
from ldpub.build.publish import replacing
from ldpub.build.sources import Sources, context_document, load_sources
from ldpub.build.validate import Report, validate_quads
from ldpub.errors import InvalidData
from ldpub.formats import DUMP_FORMATS
from ldpub.rdf import jsonld_bytes, rdf_bytes
from ldpub.settings import Settings


@dataclass
class BuildResult:
    out_dir: Path
    paths: dict[str, Path]  # file name -> path written
    counts: dict[str, int]  # quads, default-graph triples, named graphs, ...
    graph_counts: dict[str, int]  # graph name ("" = default) -> triples
    report: Report
    seconds: dict[str, float]


def graph_counts(quads: list[Quad]) -> dict[str, int]:
    graphs = sorted(by_graph(quads).items(), key=lambda kv: str(kv[0]))
    return {("" if isinstance(g, DefaultGraph) else g.value): len(t) for g, t in graphs}


def dump_files(sources: Sources) -> Iterator[tuple[str, bytes]]:
    """Every file of dist/ but void.ttl and SHA256SUMS: (name, bytes), one at a time, so each is
    written while the next is serialised."""
    settings, pfx = sources.settings, ns.namespaces(sources.settings)
    context = context_document(settings)
    for fmt in DUMP_FORMATS:
        assert fmt.rdf is not None
        if fmt.rdf == ox.RdfFormat.JSON_LD:
            data = jsonld_bytes(sources.dataset, context)
        else:
            data = rdf_bytes(sources.dataset, fmt.rdf, pfx)
        yield f"dataset.{fmt.suffix}", data
        yield f"dataset.{fmt.suffix}.gz", gzip_bytes(data)
    yield "ontology.ttl", rdf_bytes(sources.ontology, ox.RdfFormat.TURTLE, pfx)
    yield "shapes.ttl", rdf_bytes(sources.shapes, ox.RdfFormat.TURTLE, pfx)
    yield ns.CONTEXT_FILE, (settings.ontology_path / ns.CONTEXT_FILE).read_bytes()


def build_dataset(settings: Settings, out_dir: Path | None = None, validate: bool = True) -> BuildResult:
    """Load, materialise, validate (InvalidData on any violation) and write the dist files, which
    replace the previous ones in one step (ldpub.build.publish): nothing is written unless all is."""
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
        raise InvalidData(report.text(ns.namespaces(settings)))
    t = time.perf_counter()
    files: dict[str, bytes] = {}
    with replacing(out_dir) as stage:
        for name, data in dump_files(sources):
            files[name] = stage.write(name, data)
        files["void.ttl"] = stage.write("void.ttl", void_description(settings, dataset, files, ns.namespaces(settings)))
        files["SHA256SUMS"] = stage.write("SHA256SUMS", checksum_file(files))
    paths = {name: out_dir / name for name in sorted(files)}
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


def validate_files(settings: Settings, data_files: list[Path] | None = None) -> Report:
    """Validate the ontology plus `data_files` (default: data/*.ttl, data/*.trig), materialised."""
    sources = load_sources(settings, data_files=data_files)
    return validate_quads(sources.dataset, sources.shapes, settings)
