"""The documentation's Turtle examples are valid Turtle (a reader copies them)."""

from __future__ import annotations

import re
import urllib.parse
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


def test_the_readmes_first_query_names_its_variables():
    """Issue 9.11: `SELECT *` gives the columns in the engine's order (o, p, s); the first query a
    newcomer copies from the README names them, so the answer reads s, p, o."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = next(line for line in readme.splitlines() if "/sparql?query=" in line)
    query = urllib.parse.unquote_plus(first.split("query=", 1)[1].split("'", 1)[0])
    assert query.startswith("SELECT ?s ?p ?o"), query
