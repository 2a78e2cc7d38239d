"""The ontology page (/def) and the shapes page (/shapes): the classes and properties defined
under the document, with how often the data uses them, and the SHACL shapes in plain words."""

from __future__ import annotations

import pyoxigraph as ox

from ldpub.ns import OWL, RDF, RDFS, SH, SKOS
from ldpub.site.describe import property_rows
from ldpub.site.model import TYPE, Site, quad_key
from ldpub.site.shapes import constraint_words, rule_words, shacl_value, target_words
from ldpub.site.text import local_name, natural_key

CLASS_TYPES = (OWL + "Class", RDFS + "Class")
PROPERTY_TYPES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                  RDF + "Property")
ALIGNMENTS = (RDFS + "subClassOf", RDFS + "subPropertyOf", OWL + "equivalentClass",
              OWL + "equivalentProperty", OWL + "inverseOf", SKOS + "exactMatch",
              SKOS + "closeMatch", RDFS + "domain", RDFS + "range")


def ontology_view(site: Site, doc: str) -> dict:
    """Classes and properties defined under a document IRI (e.g. …/def), with usage counts,
    and the SHACL shapes in plain words."""
    terms = sorted((t for t in site.ontology_terms if t.startswith((doc + "#", doc + "/"))), key=str.casefold)
    classes, properties = [], []
    for iri in terms:
        kinds = {o.value for o in site.objects(iri, RDF + "type")}
        is_class = bool(kinds & set(CLASS_TYPES))
        entry = {
            "iri": iri, "anchor": local_name(iri), "label": site.label(iri),
            "comment": site.comment(iri),
            "kinds": [site.term_for_iri(k) for k in sorted(kinds)],
            "alignments": [(site.label(p) if site.has_label(p) else local_name(p), site.term(o))
                           for p in ALIGNMENTS for o in site.objects(iri, p)],
            "usage": site.usage(iri, is_class),  # from the statistics: no count over the data here
        }
        if is_class:
            classes.append(entry)
        elif kinds & set(PROPERTY_TYPES):
            properties.append(entry)
        # else typed so only inside a claim graph: what a claim says, not the ontology
    return {
        "iri": doc,
        "label": site.label(doc) if site.has_label(doc) else local_name(doc),
        "comment": site.comment(doc),
        "rows": property_rows(site, doc, skip={RDFS + "label", RDFS + "comment", RDF + "type"}),
        "classes": classes,
        "properties": properties,
        "shapes": shapes_view(site),
        "statuses": site.statuses,
    }


def shapes_view(site: Site) -> list[dict]:
    """Every node shape (from the served store or the shapes file beside it) with its rules."""
    shapes = sorted({q.subject.value for q in site.quads(None, TYPE, ox.NamedNode(SH + "NodeShape"), None)
                     if isinstance(q.subject, ox.NamedNode)}, key=natural_key)
    out = []
    for iri in shapes:
        node = ox.NamedNode(iri)
        rules = []
        for q in sorted(site.quads(node, ox.NamedNode(SH + "property"), None, None), key=quad_key):
            ps = q.object
            severity = shacl_value(site, ps, "severity")
            message = shacl_value(site, ps, "message")
            rules.append({
                "iri": ps.value if isinstance(ps, ox.NamedNode) else "",
                "anchor": local_name(ps.value) if isinstance(ps, ox.NamedNode) else "",
                "text": rule_words(site, ps),
                "severity": local_name(severity.value) if severity is not None else "Violation",
                "message": message.value if isinstance(message, ox.Literal) else "",
            })
        out.append({"iri": iri, "anchor": local_name(iri), "label": site.label(iri),
                    "comment": site.comment(iri), "targets": target_words(site, node),
                    "node_rules": constraint_words(site, node), "rules": rules})
    return out
