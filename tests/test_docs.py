"""The documentation's Turtle examples are valid Turtle (a reader copies them)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```turtle\n(.*?)^```", re.S | re.M)


def turtle_blocks() -> list[tuple[str, str]]:
    return [(f"{path.name}#{i}", block) for path in DOCS
            for i, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")))]


def test_turtle_examples_parse():
    """Every Turtle block of README.md and docs/*.md parses (and there is at least one: the claim example)."""
    blocks = turtle_blocks()
    assert blocks, "docs/modelling.md shows a claim in Turtle"
    broken = []
    for name, block in blocks:
        try:
            assert list(ox.parse(block, format=ox.RdfFormat.TURTLE))
        except (SyntaxError, AssertionError) as err:
            broken.append(f"{name}: {err}")
    assert broken == []
