"""ldpub: a linked-data publisher with a SPARQL endpoint."""

__version__ = "0.1.0"
