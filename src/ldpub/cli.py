"""The `ldpub` command. Each subcommand lives in its own module, imported only when used
(so `ldpub serve` never pays for rdflib/pyshacl at start-up). A SettingsError is one line."""

from __future__ import annotations

import argparse
import importlib
import sys

from ldpub.errors import SettingsError

# name -> (module, its add-arguments and run functions, one-line help); run(args) -> exit code.
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "build": ("ldpub.build.cli", "add_build_arguments", "run_build", "load, materialise, validate and write dist/"),
    "validate": ("ldpub.build.cli", "add_validate_arguments", "run_validate",
                 "check the sources: SHACL plus quote/offset and provenance checks"),
    "new-article": ("ldpub.build.new_article", "add_arguments", "run",
                    "start a new article: its folder under data/articles/ with the text, metadata and a claims file"),
    "serve": ("ldpub.web.server", "add_arguments", "run",
              "serve RDF files (default: the built dataset) with SPARQL and pages"),
    "load": ("ldpub.build.load", "add_arguments", "run",
             "load the built dataset into a store folder, or into a remote SPARQL store (--into URL)"),
    "settings": ("ldpub.settings", "add_arguments", "run", "list the settings in force, with their help text"),
    "link": ("ldpub.linking.cli", "add_arguments", "run",
             "propose, review and accept Wikidata links; --enrich fetches facts"),
}


def _usage() -> str:
    lines = ["usage: ldpub COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (*_, help_) in COMMANDS.items()]
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
    module_name, add_arguments, run, help_ = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"ldpub {name}", description=help_)
    try:
        module = importlib.import_module(module_name)
        getattr(module, add_arguments)(parser)
        return int(getattr(module, run)(parser.parse_args(rest)) or 0)
    except SettingsError as exc:
        print(f"ldpub {name}: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
