"""The documentation's Turtle examples are valid Turtle (a reader copies them)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```turtle\n(.*?)^```", re.S | re.M)


def turtle_blocks() -> list[tuple[str, str]]:
    return [(f"{path.name}#{i}", block) for path in DOCS
            for i, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")))]


def test_the_docs_have_turtle_examples():
    assert turtle_blocks(), "docs/modelling.md shows a claim in Turtle"


@pytest.mark.parametrize("name,block", turtle_blocks(), ids=[n for n, _ in turtle_blocks()])
def test_turtle_example_parses(name, block):
    quads = list(ox.parse(block, format=ox.RdfFormat.TURTLE))
    assert quads
