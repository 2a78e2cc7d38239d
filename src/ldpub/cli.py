"""The `ldpub` command. Each subcommand lives in its own module, imported only when used
(so `ldpub serve` never pays for rdflib/pyshacl at start-up)."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help). Each module exposes add_arguments(parser) and run(args) -> int.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("ldpub.build", "load, materialise, validate and write dist/"),
    "validate": ("ldpub.validate", "check the sources: SHACL plus quote/offset and provenance checks"),
    "serve": ("ldpub.server", "serve RDF files (default: the built dataset) with SPARQL and pages"),
    "link": ("ldpub.linking", "propose, review and accept Wikidata links; --enrich fetches facts"),
}


def _usage() -> str:
    lines = ["usage: ldpub COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"ldpub: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"ldpub {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)) or 0)


if __name__ == "__main__":
    sys.exit(main())
