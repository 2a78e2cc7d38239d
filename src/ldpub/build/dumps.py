"""The bytes of dist/ beside the RDF itself (ldpub.rdf writes that): gzip, checksums, files.

Everything deterministic: equal input gives equal bytes."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime=0 and no file name in the header, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def checksum_file(files: dict[str, bytes]) -> bytes:
    """The coreutils `sha256sum` format, sorted by name: `sha256sum -c SHA256SUMS` checks it."""
    return "".join(f"{sha256_hex(files[name])}  {name}\n" for name in sorted(files)).encode("ascii")
