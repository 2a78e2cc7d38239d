"""Building a publication: sources -> materialise -> validate -> dist/ (dumps, VoID/DCAT, checksums)."""
