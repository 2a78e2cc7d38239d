"""The dumps of dist/ over HTTP: files as built (never re-serialised), the right media type,
Content-Length, the prebuilt .gz sent with Content-Encoding: gzip when the client accepts it,
and an ETag from the file's SHA-256 (SHA256SUMS) with If-None-Match -> 304."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from os import PathLike
from pathlib import Path

from starlette import staticfiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import Message, Receive, Scope, Send

from ldpub.errors import NotFound
from ldpub.formats import content_type, file_type
from ldpub.settings import Settings
from ldpub.web.render import not_modified

TEXT_FILES = {"SHA256SUMS": ("text/plain", "SHA-256 checksums")}
DESCRIPTIONS = {
    "dataset.ttl": "default graph only (what the dataset asserts)",
    "dataset.nt": "default graph only (what the dataset asserts)",
    "dataset.trig": "everything: default graph and one named graph per claim",
    "dataset.nq": "everything: default graph and one named graph per claim",
    "dataset.jsonld": "everything: default graph and one named graph per claim",
    "void.ttl": "VoID/DCAT description and statistics",
    "ontology.ttl": "the ontology",
    "shapes.ttl": "the SHACL shapes",
    "context.jsonld": "the JSON-LD context",
}


class DumpResponse(FileResponse):
    """A file of dist/, Range requests included. Starlette answers a Range that starts past the
    end of the file with a bare 416; this one says why, as every 4xx of ldpub does."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = b""

        async def explain(message: Message) -> None:
            nonlocal reason
            if message["type"] == "http.response.start" and message["status"] == 416:
                headers = MutableHeaders(raw=list(message["headers"]))
                size = headers.get("content-range", "").rpartition("/")[2]  # "bytes */SIZE"
                reason = f"Range not satisfiable: {Path(self.path).name} has {size} bytes\n".encode()
                headers["content-length"] = str(len(reason))
                message = {**message, "headers": headers.raw}
            elif message["type"] == "http.response.body" and reason:
                message = {**message, "body": reason}
            await send(message)

        await super().__call__(scope, receive, explain)


class StaticFiles(staticfiles.StaticFiles):
    """The CSS and script of the pages: Starlette's StaticFiles, with a 416 that says why (as
    DumpResponse) and a Cache-Control a shared cache may use."""

    def file_response(self, full_path: PathLike[str] | str, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = DumpResponse(full_path, status_code=status_code, stat_result=stat_result,
                                headers={"Cache-Control": "public, max-age=3600"})
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return staticfiles.NotModifiedResponse(response.headers)
        return response


def media_type(name: str) -> tuple[str, str]:
    """(media type, format label) of a file of dist/."""
    if name in TEXT_FILES:
        return TEXT_FILES[name]
    if name.endswith(".gz"):
        return "application/gzip", media_type(name[:-3])[1] + ", gzipped"
    fmt = file_type(name)
    if fmt is None:
        return "application/octet-stream", "file"
    return fmt.media_type, fmt.name + (" (all graphs)" if fmt.carries_graphs else "")


@lru_cache(maxsize=256)
def _file_sha256(path: str, mtime: float, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dist_stamp(dist: Path) -> tuple[int | None, int | None]:
    """Changes whenever a build rewrites dist/ (it always rewrites SHA256SUMS) or a file is
    added or removed: the key for what is read from dist/ once per build, not per request."""
    return _mtime(dist), _mtime(dist / "SHA256SUMS")


def read_sha256sums(dist: Path) -> dict[str, str]:
    """File name -> SHA-256 as the build recorded them in dist/SHA256SUMS."""
    return dict(_sha256sums(dist, dist_stamp(dist)))


@lru_cache(maxsize=8)
def _sha256sums(dist: Path, stamp: tuple[int | None, int | None]) -> tuple[tuple[str, str], ...]:
    path = dist / "SHA256SUMS"
    out: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition(" ")
            if digest and name:
                out[name.strip().lstrip("*")] = digest
    return tuple(out.items())


def plain_file(folder: Path, name: str) -> Path | None:
    """A regular file directly inside folder, or None (no paths, no dot-files).

    The name is matched against the folder's listing before the OS sees it: a URL can carry
    any name (a NUL byte, 10 kB, '../x'), which open() and stat() answer with errors."""
    folder = folder.resolve()
    if not name or name.startswith(".") or name not in folder_names(folder):
        return None
    path = (folder / name).resolve()
    return path if path.parent == folder and path.is_file() else None


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # missing
        return None


def folder_names(folder: Path) -> frozenset[str]:
    """The names in a folder, listed again only when the folder's mtime says one was added,
    removed or renamed: a request costs one stat, not a scandir."""
    return _folder_names(folder, _mtime(folder))


@lru_cache(maxsize=32)
def _folder_names(folder: Path, mtime: int | None) -> frozenset[str]:
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries)
    except OSError:  # no such folder
        return frozenset()


def sha256_of(path: Path, sums: dict[str, str] | None = None) -> str:
    sums = read_sha256sums(path.parent) if sums is None else sums
    if path.name in sums:
        return sums[path.name]
    st = path.stat()
    return _file_sha256(str(path), st.st_mtime, st.st_size)


def listing(settings: Settings) -> list[dict]:
    """The dumps table of the landing page: name, format, size, SHA-256, gzipped size.
    Built once per build of dist/ (see dist_stamp); callers get the shared rows, read-only."""
    return _listing(settings.dist_path, dist_stamp(settings.dist_path))


def dump_names(dist: Path) -> list[str]:
    """The dataset.* dumps of dist/, sorted (the void:dataDump URLs)."""
    return sorted(n for n in folder_names(dist) if n.startswith("dataset."))


@lru_cache(maxsize=8)
def _listing(dist: Path, stamp: tuple[int | None, int | None]) -> list[dict]:
    if not dist.is_dir():
        return []
    sums = read_sha256sums(dist)
    rows = []
    for path in sorted(dist.iterdir(), key=lambda p: (not p.name.startswith("dataset."), p.name)):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".gz"):
            continue
        gz = path.with_name(path.name + ".gz")
        media, label = media_type(path.name)
        rows.append({
            "name": path.name, "media_type": media, "format": label,
            "description": DESCRIPTIONS.get(path.name, ""),
            "size": path.stat().st_size, "sha256": sha256_of(path, sums),
            "gz": gz.name if gz.is_file() else None,
            "gz_size": gz.stat().st_size if gz.is_file() else None,
        })
    return rows


def accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        coding, *params = [p.strip() for p in part.split(";")]
        if coding.lower() in ("gzip", "x-gzip", "*"):
            q = next((p.split("=", 1)[1] for p in params if p.lower().startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def serve(request: Request, settings: Settings, name: str) -> Response:
    path = plain_file(settings.dist_path, name)
    if path is None:
        raise NotFound(f"No dump named {name!r}. The list is on the landing page.")
    media, _ = media_type(path.name)
    headers = {"Vary": "Accept-Encoding", "Cache-Control": "public, max-age=300"}
    gz = path.with_name(path.name + ".gz")
    send = path
    if not path.name.endswith(".gz") and gz.is_file() and accepts_gzip(request.headers.get("accept-encoding")):
        send = gz
        headers["Content-Encoding"] = "gzip"
    etag = f'"{sha256_of(send)[:40]}"'
    headers["ETag"] = etag
    if not_modified(request, etag, None):
        return Response(status_code=304, headers=headers)
    return DumpResponse(send, media_type=content_type(media), headers=headers)
