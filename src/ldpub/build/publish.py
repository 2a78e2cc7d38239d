"""Writing dist/ in one step: whoever reads it (a server, `sha256sum -c`, a download under way)
sees the whole previous build or the whole new one, never a mix, and a build that fails or is
killed leaves the previous one whole.

How. The files go to a sibling folder `<out>.tmp-<random>` (same filesystem, so renames stay
renames), each fsynced; then that folder and `<out>` trade places in one system call (Linux
`renameat2(RENAME_EXCHANGE)`), and the previous build, now under the temporary name, is deleted.

Why this and not a `dist -> dist.<hash>` symlink flipped by rename(2): both are atomic, but the
exchange keeps dist/ a plain folder, so its paths, `rm -rf dist`, `cd dist && sha256sum -c` and
`--out` mean what they meant, and no old targets are left to collect. Where the exchange is not
available (another OS, an old kernel, a filesystem without it), the previous build is renamed
aside and the new one into place: two renames with a moment without `<out>` between them; a
build killed in that moment leaves the previous build aside (`<out>.old-*`), and the next build
that gets as far as writing puts it back before it stages anything.

A server holding files of the previous build open keeps reading them whole: deleting a file
removes its name, not the data of a file still open (POSIX). Its next open sees the new build.

Stale `<out>.tmp-*` folders of killed builds are deleted by the next build, under an exclusive
lock on the parent folder (flock), so a build never deletes the folder of another still writing.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ldpub.errors import BuildError

SUMS = "SHA256SUMS"
AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h


def exchange(a: Path, b: Path) -> bool:
    """Swap the two paths in one step (both must exist); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # no C library to ask, or one without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # kernel or filesystem without it
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _listed(folder: Path) -> set[str]:
    """The file names a build's SHA256SUMS lists."""
    try:
        lines = (folder / SUMS).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.partition(" ")[2].strip().lstrip("*") for line in lines if line.strip()}


def check_replaceable(out: Path) -> None:
    """A build replaces the whole folder, so `out` must be missing, empty, or a previous build
    (regular files, each listed in its SHA256SUMS): `--out .` must never swap away a project."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"{out} is not a folder; choose another --out")
    names = sorted(os.listdir(out))
    if not names:
        return
    listed = _listed(out) | {SUMS}
    strays = [n for n in names if n not in listed or (out / n).is_symlink() or not (out / n).is_file()]
    if SUMS not in names or strays:
        raise BuildError(f"{out} is not a previous build (it holds {(strays or names)[0]!r}, "
                         f"which {SUMS} does not list); a build replaces the whole folder, so give an "
                         "empty or new --out folder, or remove this one")


class Stage:
    """The folder a build writes into, beside its final place."""

    def __init__(self, out: Path, folder: Path) -> None:
        self.out = out
        self.folder = folder

    def write(self, name: str, data: bytes) -> bytes:
        """Write one file (on disk before the swap); returns the data, for the caller's record."""
        with _writing(self.out), (self.folder / name).open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return data

    def commit(self) -> None:
        """Put the staged folder in `out`'s place; the previous build, if any, is deleted."""
        _fsync(self.folder)
        if not self.out.exists():
            os.rename(self.folder, self.out)
        elif exchange(self.folder, self.out):
            shutil.rmtree(self.folder)  # now the previous build
        else:
            aside = self.out.with_name(f"{self.out.name}.old-{secrets.token_hex(4)}")
            os.rename(self.out, aside)
            os.rename(self.folder, self.out)
            shutil.rmtree(aside)
        _fsync(self.out.parent)


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """OSError (disk full, no permission) as one line naming what could not be written."""
    try:
        yield
    except OSError as exc:
        raise BuildError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None


def _tidy(out: Path) -> None:
    """Undo what a killed build left: the previous build put aside and not yet replaced goes back;
    half-written folders go. Called under the lock, so none of them belongs to a live build."""
    aside = sorted(out.parent.glob(f"{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if aside and not out.exists():
        os.rename(aside.pop(), out)
    for stale in [*aside, *out.parent.glob(f"{out.name}.tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _locked(parent: Path) -> Iterator[None]:
    with _writing(parent):
        fd = os.open(parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is writing in {parent}; let it finish") from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def replacing(out_dir: Path) -> Iterator[Stage]:
    """A Stage to write the new build into. Leaving the block normally puts it in `out_dir`'s
    place in one step; an exception (or a kill) leaves `out_dir` as it was."""
    out = Path(os.path.realpath(out_dir))  # through a symlink: the link stays, its target is replaced
    with _writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent):
        with _writing(out):
            _tidy(out)
        check_replaceable(out)
        stage = Stage(out, out.with_name(f"{out.name}.tmp-{secrets.token_hex(4)}"))
        with _writing(out):
            stage.folder.mkdir()
        try:
            yield stage
            with _writing(out):
                stage.commit()
        finally:
            shutil.rmtree(stage.folder, ignore_errors=True)  # already gone when committed
