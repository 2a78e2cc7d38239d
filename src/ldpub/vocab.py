"""The published prefixes: ontology/context.jsonld is their one source, read once per settings.

Light on purpose (json and the pages' well-known namespaces only), so the build can use it too.
"""

from __future__ import annotations

import json
from functools import lru_cache

from ldpub.config import Settings
from ldpub.pages import PREFIXES as WELL_KNOWN

CONTEXT_FILE = "context.jsonld"


@lru_cache(maxsize=8)
def context_document(settings: Settings) -> dict | None:
    """The published JSON-LD context document ({"@context": {...}}), or None when missing or unusable."""
    try:
        ctx = json.loads((settings.ontology_path / CONTEXT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ctx if isinstance(ctx, dict) and isinstance(ctx.get("@context"), dict) else None


def namespaces(settings: Settings) -> dict[str, str]:
    """The namespace entries of the context (prefix -> IRI ending in / or #), sorted by prefix."""
    ctx = (context_document(settings) or {}).get("@context", {})
    return {k: v for k, v in sorted(ctx.items())
            if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))}


@lru_cache(maxsize=8)
def prefixes(settings: Settings) -> dict[str, str]:
    """Prefixes for Turtle/TriG/RDF-XML answers: the well-known vocabularies, ours (from the
    base IRI, for data published without a context) and the context's, which win. Shared:
    callers copy before changing it."""
    return {**WELL_KNOWN, "kzm": settings.base_iri + "def#", "id": settings.base_iri + "id/",
            **namespaces(settings)}
