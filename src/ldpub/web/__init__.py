"""HTTP: the app (wiring), the one error handler, the SPARQL routes, the page routes, downloads."""
