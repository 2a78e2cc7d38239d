"""Settings: ldpub.toml at the project root, overridden by LDPUB_<NAME> environment variables.

Every setting is declared once in SETTINGS, with its type, default and help text. Unknown keys
and values of the wrong type are refused with one line (SettingsError) naming the key and what
was expected: a typo must never be silently ignored.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ldpub.errors import SettingsError
from ldpub.iris import IriScheme


def project_root() -> Path:
    """The folder holding ldpub.toml: $LDPUB_ROOT, else the source checkout this package runs from."""
    env = os.environ.get("LDPUB_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ldpub.toml").is_file():
            return parent
    return Path.cwd()


def confined_path(root: Path, name: str) -> Path | None:
    """`name` resolved inside `root`, or None when it leaves it (an absolute path, '..', a link out)
    or cannot be resolved. File names that come from data must not reach the rest of the disk."""
    base = root.resolve()
    try:
        path = (base / name).resolve()
    except (OSError, ValueError):  # a NUL byte, a symlink loop
        return None
    return path if path.is_relative_to(base) else None


def setting(section: str, default: Any, help: str) -> Any:
    """A settings field: its default, the ldpub.toml section it lives in, and its help text."""
    return field(default=default, metadata={"section": section, "help": help})


@dataclass(frozen=True)
class Settings:
    root: Path
    base_iri: str = setting("dataset", "https://w3id.org/kz-masimov/",
                            "the publication's base IRI; every IRI of ours starts with it (ends with / or #)")
    title: str = setting("dataset", "", "the dataset's title, shown when the data gives none")
    ontology_dir: str = setting("dataset", "ontology", "folder of the ontology, context and shapes")
    data_dir: str = setting("dataset", "data", "folder of the data files (top level only)")
    dist_dir: str = setting("dataset", "dist", "folder the build writes the dumps to")
    license: str = setting("dataset", "https://creativecommons.org/licenses/by/4.0/", "licence IRI of the data")
    query_timeout: float = setting("endpoint", 10.0, "seconds of wall clock per query; the worker is killed past it")
    max_query_length: int = setting("endpoint", 65536, "bytes; a longer query answers 413")
    max_nesting: int = setting("endpoint", 100, "brackets ( [ { nested deeper than this answer 400")
    result_limit: int = setting("endpoint", 10000, "rows / triples; more is cut and flagged")
    max_concurrent: int = setting("endpoint", 4, "queries evaluated at once (worker processes)")
    max_queued: int = setting("endpoint", 16, "waiting beyond this answers 503 with Retry-After")
    client_concurrent: int = setting("endpoint", 2, "queries one client address evaluates at once")
    client_queued: int = setting("endpoint", 4, "queries one client address may have waiting; more answer 503")
    result_max_bytes: int = setting("endpoint", 16 << 20,
                                    "bytes of one answer (about); more is cut and flagged like result_limit")
    worker_memory_limit: int = setting("endpoint", 1024,
                                       "MB of address space per query worker (RLIMIT_AS); 0 = no limit")
    send_timeout: float = setting("endpoint", 30.0,
                                  "seconds a client may take to read each part of an answer; then it is dropped")
    result_cache: int = setting("endpoint", 512, "answers kept in memory; 0 = off")
    service_allowlist: tuple[str, ...] = setting("endpoint", (), "SERVICE endpoints a query may call; empty = no network")
    public_base_url: str = setting("server", "",
                                   "the site's public URL (https://host/prefix); when set it wins over "
                                   "Host and X-Forwarded-* in every answer")
    max_header_bytes: int = setting("server", 16384, "request headers larger than this answer 431")
    read_timeout: float = setting("server", 10.0,
                                  "seconds a client may take to send a request's head, or its body; then 408")
    max_connections: int = setting("server", 1000,
                                   "open connections (and requests) at once; a request beyond answers 503")
    drain_timeout: float = setting("server", 10.0,
                                   "seconds `ldpub serve` lets queries in flight finish after SIGTERM or Ctrl-C "
                                   "(new ones answer 503); then it stops them and exits")
    store: str = setting("store", "",
                         "where the served data lives: empty = the files, parsed in memory by every process; "
                         "a folder written by `ldpub load` = opened read-only on disk by every process; "
                         "an http(s) URL = a remote SPARQL 1.1 query endpoint (credentials only from "
                         "LDPUB_STORE_USER / LDPUB_STORE_PASSWORD). `ldpub serve --store` overrides it")
    store_default_graph: bool = setting("store", False,
                                        "the remote store's default graph is the union of all its graphs "
                                        "(Virtuoso): keep our default graph in <base>graph/default and name "
                                        "the dataset of every query explicitly")
    store_auth: str = setting("store", "basic", "how a remote store checks LDPUB_STORE_USER/PASSWORD: basic or digest")
    page_cache: int = setting("server", 300,
                              "pages (and RDF descriptions) kept ready in memory, the least recently used "
                              "dropped first")
    lookup_cache: int = setting("server", 10000,
                                "per-IRI facts the pages look up (labels, a claim's status and quote) kept "
                                "in memory, the least recently used dropped first")
    page_threads: int = setting("server", 0,
                                "threads that build pages (and other work off the event loop) at once; 0: 2 "
                                "for a store in memory or on disk, where a page is Python work and more "
                                "threads only contend, 16 for a remote store, whose lookups wait on the network")
    page_size: int = setting("server", 100, "subjects (and articles) the landing page lists per page; "
                                           "also the most claims and incoming links an entity page shows")
    forwarded_allow_ips: tuple[str, ...] = setting("endpoint", ("127.0.0.1", "::1"),
                                                   "peers whose X-Forwarded-* headers are believed; \"*\" = any")

    def __hash__(self) -> int:
        # Settings key small caches that run on every request: hash the fields once.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self)))
            self.__dict__["_hash"] = cached
        return cached

    # Derived locations, so callers never join paths by hand.
    @property
    def ontology_path(self) -> Path:
        return self.root / self.ontology_dir

    @property
    def data_path(self) -> Path:
        return self.root / self.data_dir

    @property
    def dist_path(self) -> Path:
        return self.root / self.dist_dir

    @property
    def articles_path(self) -> Path:
        """One folder per article: its text, article.toml and its claims (docs/modelling.md)."""
        return self.data_path / "articles"

    @property
    def queries_path(self) -> Path:
        return self.data_path / "queries"

    @property
    def links_path(self) -> Path:
        """The confirmed Wikidata links (loaded by the build with the rest of data/)."""
        return self.data_path / "wikidata-links.ttl"

    @property
    def enrichment_path(self) -> Path:
        """Facts fetched from Wikidata: a sub-folder, so the build does not load them unless asked."""
        return self.data_path / "enrichment" / "wikidata.trig"

    @cached_property
    def iris(self) -> IriScheme:
        """The publication's IRI scheme (ldpub.iris): every IRI of ours comes from it."""
        return IriScheme(self.base_iri)


@dataclass(frozen=True)
class Setting:
    """One setting as declared on Settings: where it lives in ldpub.toml, its type and help."""

    section: str
    name: str
    kind: type
    default: Any
    help: str

    @property
    def expected(self) -> str:
        return {str: "a string", int: "an integer", float: "a number", bool: "true or false",
                tuple: "a list of strings"}[self.kind]


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.metadata["section"], f.name, type(f.default), f.default, f.metadata["help"])
    for f in fields(Settings) if f.metadata)
BY_NAME = {s.name: s for s in SETTINGS}
SECTIONS = frozenset(s.section for s in SETTINGS)


def _check(setting: Setting, value: object, where: str) -> object:
    """The value as the setting's type, or SettingsError naming the key and the expected type."""
    kind = setting.kind
    ok = (isinstance(value, kind) and not (kind is int and isinstance(value, bool))) or (
        kind is float and isinstance(value, int) and not isinstance(value, bool))
    if kind is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if not ok or (kind is tuple and not all(isinstance(v, str) for v in value)):  # type: ignore[attr-defined]
        raise SettingsError(f"{where}: {setting.name} must be {setting.expected}, not {value!r}")
    if kind is float:
        value = float(value)  # type: ignore[arg-type]
    if kind in (int, float) and value < 0:  # type: ignore[operator]
        raise SettingsError(f"{where}: {setting.name} must not be negative, not {value!r}")
    if setting.name == "base_iri" and not str(value).endswith(("/", "#")):
        raise SettingsError(f"{where}: base_iri must end with '/' or '#', not {value!r}")
    if setting.name == "store_auth" and value not in ("basic", "digest"):
        raise SettingsError(f"{where}: store_auth must be 'basic' or 'digest', not {value!r}")
    if setting.name == "store" and value and re.match(r"[a-z][a-z0-9+.-]*://", str(value)) and not re.fullmatch(
            r"https?://[^/?#\s]+(/[^#\s]*)?", str(value)):
        raise SettingsError(f"{where}: store must be an http(s) SPARQL endpoint URL or a folder, not {value!r}")
    if setting.name == "public_base_url" and value and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", str(value)):
        raise SettingsError(f"{where}: public_base_url must be an http(s) URL without query or fragment, not {value!r}")
    return value


def _from_env(setting: Setting, raw: str) -> object:
    where = f"LDPUB_{setting.name.upper()}"
    kind = setting.kind
    try:
        if kind is bool:
            if raw.lower() not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
                raise ValueError
            return raw.lower() in {"1", "true", "yes", "on"}
        if kind is tuple:
            return tuple(x.strip() for x in raw.split(",") if x.strip())
        return _check(setting, kind(raw), where)
    except ValueError:
        raise SettingsError(f"{where}: {setting.name} must be {setting.expected}, not {raw!r}") from None


def _unknown(key: str, where: str) -> SettingsError:
    close = difflib.get_close_matches(key, list(BY_NAME) + list(SECTIONS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return SettingsError(f"{where}: unknown setting {key!r}{hint}" if where else f"unknown setting {key!r}{hint}")


def read_toml(path: Path) -> dict[str, object]:
    """The settings of a ldpub.toml file, checked: sections and keys must be known."""
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    values: dict[str, object] = {}
    for section, table in doc.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise _unknown(section, f"{path}: [{section}]")
        for key, value in table.items():
            setting = BY_NAME.get(key)
            if setting is None or setting.section != section:
                raise _unknown(key, f"{path}: [{section}]")
            values[key] = _check(setting, value, f"{path}: [{section}]")
    return values


def load_settings(root: Path | None = None, **overrides: object) -> Settings:
    root = (root or project_root()).resolve()
    toml_path = root / "ldpub.toml"
    values = read_toml(toml_path) if toml_path.is_file() else {}
    for setting in SETTINGS:
        raw = os.environ.get(f"LDPUB_{setting.name.upper()}")
        if raw is not None:
            values[setting.name] = _from_env(setting, raw)
    known = {f.name for f in fields(Settings)}
    for key in overrides:
        if key not in known:
            raise _unknown(key, "load_settings()")
    return replace(Settings(root=root), **{**values, **overrides})  # type: ignore[arg-type]  # checked above


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()


# ---------------------------------------------------------------- `ldpub settings`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="one setting (default: all)")


def run(args: argparse.Namespace) -> int:
    """Every setting: its ldpub.toml section, its value in force (after LDPUB_* overrides) and its help."""
    settings = load_settings()
    chosen = [s for s in SETTINGS if args.name in (None, s.name)]
    if not chosen:
        raise _unknown(args.name, "")
    for s in chosen:
        print(f"[{s.section}] {s.name} = {getattr(settings, s.name)!r}\n    {s.help} ({s.expected}; "
              f"env LDPUB_{s.name.upper()})")
    return 0
