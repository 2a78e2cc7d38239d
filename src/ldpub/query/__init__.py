"""Answering SPARQL: the protocol's rules, the seal, the executor interface, the worker pool and the
result writers. Domain errors only (ldpub.errors); no HTTP here."""
