"""Settings: ldpub.toml at the project root, overridden by LDPUB_* environment variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path


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


@dataclass(frozen=True)
class Settings:
    root: Path
    base_iri: str = "https://w3id.org/kz-masimov/"
    title: str = ""
    seed: str = "seeds/000_f6b8256ec50a828e.txt"
    ontology_dir: str = "ontology"
    data_dir: str = "data"
    dist_dir: str = "dist"
    license: str = "https://creativecommons.org/licenses/by/4.0/"
    query_timeout: float = 10.0
    max_query_length: int = 65536
    result_limit: int = 10000
    max_concurrent: int = 4
    max_queued: int = 16
    result_cache: int = 512
    service_allowlist: tuple[str, ...] = field(default_factory=tuple)
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")

    # Derived locations, so callers never join paths by hand.
    @property
    def seed_path(self) -> Path:
        return self.root / self.seed

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
    def queries_path(self) -> Path:
        return self.data_path / "queries"

    def iri(self, local: str) -> str:
        """An IRI under the canonical base, e.g. iri('id/cns')."""
        return self.base_iri + local


def _coerce(name: str, raw: str, current: object) -> object:
    if isinstance(current, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    if isinstance(current, tuple):
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw


def load_settings(root: Path | None = None, **overrides: object) -> Settings:
    root = (root or project_root()).resolve()
    values: dict[str, object] = {}
    toml_path = root / "ldpub.toml"
    if toml_path.is_file():
        with toml_path.open("rb") as fh:
            for section in tomllib.load(fh).values():
                values.update(section)
    for name in ("service_allowlist", "forwarded_allow_ips"):
        if name in values:
            values[name] = tuple(values[name])
    known = {f.name for f in fields(Settings)} - {"root"}
    settings = Settings(root=root, **{k: v for k, v in values.items() if k in known})
    env_values = {}
    for name in known:
        raw = os.environ.get(f"LDPUB_{name.upper()}")
        if raw is not None:
            env_values[name] = _coerce(name, raw, getattr(settings, name))
    return replace(settings, **env_values, **overrides)


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()
