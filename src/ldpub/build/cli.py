"""`ldpub build` and `ldpub validate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ldpub import ns
from ldpub.build.dataset import build_dataset, validate_files
from ldpub.build.validate import Report
from ldpub.errors import BuildError, InvalidData
from ldpub.settings import load_settings


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: dist_dir of ldpub.toml)")
    parser.add_argument("--report", action="store_true", help="print the full validation report, warnings included")


def run_build(args: argparse.Namespace) -> int:
    settings = load_settings()
    out = args.out or settings.dist_path
    try:
        result = build_dataset(settings, args.out)
    except InvalidData as err:
        print(err.message)
        print(f"ldpub build: FAILED, the data does not validate; nothing was written ({out} is as it was).",
              file=sys.stderr)
        return 1
    except BuildError as err:  # a source that cannot be read or parsed, an output that cannot be written
        print(f"ldpub build: {err.message}; nothing was written ({out} is as it was).", file=sys.stderr)
        return 1
    if args.report:
        print(result.report.text(ns.namespaces(settings)))
    c = result.counts
    # the words of void.ttl and the landing page
    print(f"ldpub build: {c['quads']} quads: {c['default_graph_triples']} triples in the default graph + "
          f"{c['quads'] - c['default_graph_triples']} triples in the named graphs ({c['named_graphs']}, one per "
          f"claim); {c['distinct_triples']} distinct triples (void:triples); "
          f"{result.report.count('Warning')} warning(s)")
    print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items()))
    for _name, path in result.paths.items():
        print(f"  {path}  ({path.stat().st_size} bytes)")
    return 0


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path,
                        help="data files to check instead of data/*.ttl, data/*.trig (the ontology and shapes are always loaded)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary line and violations")


def run_validate(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        report = validate_files(settings, args.files or None)
    except BuildError as err:
        print(f"ldpub validate: {err.message}", file=sys.stderr)
        return 1
    if args.quiet:
        report = Report([f for f in report.findings if f.severity == "Violation"], report.shacl_seconds, report.check_seconds)
    print(report.text(ns.namespaces(settings)))
    return 0 if report.conforms else 1
