"""The stylesheet of the epistemic statuses, from the data: each status's kzm:statusColour sets
the custom property --st of its class (st-<slug>); site.css draws badges, claim borders and tinted
sentences from --st, and a status without a colour keeps site.css's fallback. So a new status is
data only: no CSS is written per status."""

from __future__ import annotations

from ldpub.site.model import Site


def status_stylesheet(site: Site) -> str:
    """`.st-<slug> { --st: <colour>; }` for each status with a colour (model.CSS_COLOUR only)."""
    lines = ["/* Status colours, from kzm:statusColour in the served data (generated). */"]
    for st in site.statuses.values():
        if st["colour"] and st["slug"]:
            lines.append(f".st-{st['slug']} {{ --st: {st['colour']}; }}")
    return "\n".join(lines) + "\n"
