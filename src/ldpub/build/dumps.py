"""The bytes of dist/ beside the RDF itself (ldpub.rdf writes that): gzip, checksums.
(ldpub.build.publish puts the files on disk.)

Everything deterministic: equal input gives equal bytes."""

from __future__ import annotations

import gzip
import hashlib
import io


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime=0 and no file name in the header, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checksum_file(files: dict[str, bytes]) -> bytes:
    """The coreutils `sha256sum` format, sorted by name: `sha256sum -c SHA256SUMS` checks it."""
    return "".join(f"{sha256_hex(files[name])}  {name}\n" for name in sorted(files)).encode("ascii")
