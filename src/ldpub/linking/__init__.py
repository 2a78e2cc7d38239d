"""Linking with Wikidata: client, candidates, scoring, review files, the links file, enrichment."""
