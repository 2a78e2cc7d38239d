"""The sources of a publication: the ontology, the shapes and the data files, parsed and
materialised (docs/modelling.md). Top-level files only, so data/queries and tests are never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyoxigraph import Quad

from ldpub import ns
from ldpub.build.articles import ARTICLE_FILE, article_folders, article_quads, load_article
from ldpub.build.materialise import materialise
from ldpub.errors import BuildError
from ldpub.settings import Settings
from ldpub.store import reading


def _parse(path: Path) -> list[Quad]:
    """The quads of one source file; SourceError (a BuildError) naming the file, and the line and
    column of a parse error, when it cannot be read or parsed."""
    with reading(path) as fmt:
        return list(ox.parse(path=str(path), format=fmt))


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
    data: list[Quad]  # data/*.ttl, data/*.trig and the articles of data/articles/ (expanded)
    files: list[Path] = field(default_factory=list)

    @cached_property
    def dataset(self) -> list[Quad]:
        """The dataset as served and dumped: ontology + data, materialised (docs/modelling.md)."""
        ontology_triples = {(q.subject, q.predicate, q.object) for q in self.ontology}
        return canonical(list(materialise(self.ontology + self.data, ontology_triples, self.settings.iris)))


def source_files(settings: Settings) -> tuple[list[Path], list[Path]]:
    """(ontology files, data files): top level only, so data/queries and tests are never loaded."""
    ontology = sorted(settings.ontology_path.glob("*.ttl"))
    data = sorted([*settings.data_path.glob("*.ttl"), *settings.data_path.glob("*.trig")])
    return ontology, data


def load_sources(settings: Settings, data_files: list[Path] | None = None) -> Sources:
    """The sources; `data_files` (RDF files, or article folders) replaces data/ and data/articles/."""
    ontology_files, default_data = source_files(settings)
    if data_files is None:
        data_files = [*default_data, *article_folders(settings)]
    data_files = [Path(p) for p in data_files]
    ontology: list[Quad] = []
    shapes: list[Quad] = []
    for path in ontology_files:
        (shapes if is_shapes_file(path) else ontology).extend(_parse(path))
    data: list[Quad] = []
    for path in data_files:
        if path.is_dir() and (path / ARTICLE_FILE).is_file():
            data += article_quads(load_article(path, settings), settings)
        else:
            data += _parse(path)
    return Sources(settings, ontology, canonical(shapes), data, [*ontology_files, *data_files])


def context_document(settings: Settings) -> dict[str, Any]:
    """The published JSON-LD context (one reader: ldpub.ns); the build cannot go on without it."""
    ctx = ns.context_document(settings)
    if ctx is None:
        raise BuildError(f"{settings.ontology_path / ns.CONTEXT_FILE} is missing or not a JSON-LD context")
    return ctx
