"""One module per page: each builds the context its template renders.

A module here that names a PAGE (a `Page`: its URL path, its template, what to say when the data
has nothing for it) is a page of its own: ldpub.web.pages routes every one of them. So a new
view is two files: its module here and its template. The entity, ontology and landing views are
reached through content negotiation at an IRI and are routed by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Page:
    path: str  # the URL path, e.g. "/article"; may hold Starlette parameters ("/article/{path:path}")
    template: str  # e.g. "article.html"; it gets the context as `view`
    # view(site, **the path's parameters); None: the data has nothing to show here
    view: Callable[..., dict[str, Any] | None]
    missing: str  # the 404's words when view gives None
    paged: bool = False  # the view also takes `after`, the page cursor (?after=…)


# Every module of this package, imported once: their PAGEs are the routed views.
MODULES: list[ModuleType] = [importlib.import_module(f"{__name__}.{info.name}")
                             for info in pkgutil.iter_modules(__path__)]
PAGES: list[Page] = [m.PAGE for m in MODULES if isinstance(getattr(m, "PAGE", None), Page)]
