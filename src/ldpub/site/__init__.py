"""What the linked-data pages show, as plain functions over the served store (no HTTP here).

    model.py     Site: the served store through the base IRI, cached (labels, claims, article)
    describe.py  the RDF of a document, and its property table
    views/       one module per page, each building its template's context
    shapes.py    SHACL shapes in plain English
    text.py      pure text helpers (sentence splitter, names of IRIs)
"""
