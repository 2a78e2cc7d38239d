"""Faults and operations, 1: `ldpub build` replaces dist/ in one step (ldpub.build.publish).

A build killed while writing, or one whose data does not validate, leaves the previous dist/
byte-for-byte whole; the folders a killed build leaves beside it are removed by the next build.
The kill test runs the real CLI on a copy of the project and SIGKILLs it once it has written
part of the new build."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run_ldpub
from ldpub.build import publish
from ldpub.build.dataset import build_dataset
from ldpub.errors import BuildError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A triple that validates and changes every dump: the "new" build differs from the previous one,
# so a dist/ mixing the two fails its checksums.
LATER = '<https://w3id.org/kz-masimov/id/rebuilt> <http://www.w3.org/2000/01/rdf-schema#label> "a later build" .\n'


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_whole(dist: Path) -> None:
    """`sha256sum -c SHA256SUMS` passes and dist/ holds nothing SHA256SUMS does not list."""
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=dist, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = {line.split("  ", 1)[1] for line in (dist / "SHA256SUMS").read_text().splitlines()}
    assert {p.name for p in dist.iterdir()} == listed | {"SHA256SUMS"}


def beside(dist: Path) -> list[str]:
    """What else lives next to dist/: the temporary folders of builds."""
    return sorted(p.name for p in dist.parent.iterdir() if p.name.startswith(dist.name + "."))


def written_so_far(dist: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Files a running build has written: in a folder beside dist/, or (a build writing in
    place) files of dist/ whose size or mtime changed."""
    try:
        staged = [f"{d}/{f.name}" for d in beside(dist) for f in (dist.parent / d).iterdir()]
        now = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in dist.iterdir()}
    except FileNotFoundError:  # a folder renamed or removed while we looked
        return []
    return staged + [n for n in now if now[n] != before.get(n)]


def test_a_build_killed_while_writing_leaves_the_previous_dist_whole(tmp_path):
    """Build once, change the data, start a second build and SIGKILL it as soon as it has written
    a file (polled every millisecond). dist/ is then byte-for-byte the first build, with no
    stray file; the half-written folder is left beside it, and the next build removes it."""
    root = copy_project(tmp_path / "project")
    dist = root / "dist"
    assert run_ldpub(root, "build").returncode == 0
    previous = contents(dist)
    assert_whole(dist)
    (root / "data" / "zz-later.ttl").write_text(LATER)

    seen: list[str] = []
    for _attempt in range(5):  # the write phase lasts ~0.2 s; one attempt hits it in practice
        stamps = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in dist.iterdir()}
        proc = subprocess.Popen([sys.executable, "-m", "ldpub.cli", "build"], env={**os.environ, "LDPUB_ROOT": str(root)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not (seen := written_so_far(dist, stamps)):
            time.sleep(0.001)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        if proc.wait(timeout=60) == -signal.SIGKILL:
            break
    assert proc.returncode == -signal.SIGKILL, "the build always finished before it could be killed"
    assert seen, "killed before writing anything"

    assert contents(dist) == previous
    assert_whole(dist)
    leftovers = beside(dist)
    assert len(leftovers) == 1 and leftovers[0].startswith("dist.tmp-")
    assert "SHA256SUMS" not in os.listdir(dist.parent / leftovers[0])  # killed half way, as meant

    rebuilt = run_ldpub(root, "build")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert beside(dist) == []
    assert_whole(dist)
    assert b"a later build" in (dist / "dataset.nq").read_bytes()


@pytest.mark.parametrize("fault", ["violation", "parse error"])
def test_a_failed_build_leaves_the_previous_dist_untouched(tmp_path, fault):
    root = copy_project(tmp_path / "project")
    dist = root / "dist"
    assert run_ldpub(root, "build").returncode == 0
    previous, inode = contents(dist), dist.stat().st_ino
    if fault == "violation":
        shutil.copy(FIXTURES / "broken" / "claim-two-statuses.trig", root / "data" / "claims.trig")
    else:
        claims = root / "data" / "articles" / "rise-of-karim-masimov" / "claims.toml"
        cut = claims.read_bytes().index(b"assertion = '''") + 20  # inside a Turtle block: TOML left open
        claims.write_bytes(claims.read_bytes()[:cut])
    done = run_ldpub(root, "build")
    assert done.returncode == 1
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert contents(dist) == previous and dist.stat().st_ino == inode
    assert beside(dist) == []


def test_stale_folders_of_killed_builds_are_removed(tmp_path, ldpub_settings):
    out = tmp_path / "dist"
    for stale in ("dist.tmp-0badc0de", "dist.tmp-1"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "dataset.nq").write_text("half")
    (tmp_path / "dist-other").mkdir()  # not ours: left alone
    build_dataset(ldpub_settings, out)
    assert beside(out) == []
    assert (tmp_path / "dist-other").is_dir()
    assert_whole(out)


def test_a_reader_of_the_previous_build_reads_it_whole(tmp_path, ldpub_settings):
    """A server streaming a dump keeps reading the previous build's file after the swap
    (its name is gone, its data is not); the next open sees the new build."""
    out = tmp_path / "dist"
    build_dataset(ldpub_settings, out)
    old = (out / "dataset.nq").read_bytes()
    data = tmp_path / "data"
    shutil.copytree(ldpub_settings.data_path, data)
    (data / "zz-later.ttl").write_text(LATER)
    later = dataclasses.replace(ldpub_settings, data_dir=str(data))
    with (out / "dataset.nq").open("rb") as reading:
        head = reading.read(1000)
        build_dataset(later, out)
        assert head + reading.read() == old
    assert (out / "dataset.nq").read_bytes() != old
    assert_whole(out)


def test_the_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1").write_text("a")
    (tmp_path / "b").mkdir()
    if not publish.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this kernel or filesystem has no renameat2(RENAME_EXCHANGE); the fallback is tested below")
    assert os.listdir(tmp_path / "a") == [] and os.listdir(tmp_path / "b") == ["1"]


def test_without_the_exchange_the_previous_build_is_put_back_after_a_kill(tmp_path, ldpub_settings, monkeypatch):
    """The fallback (rename aside, rename into place) works, and a build killed between its two
    renames (simulated: no dist/, the previous build aside) is repaired by the next one."""
    monkeypatch.setattr(publish, "exchange", lambda a, b: False)
    out = tmp_path / "dist"
    build_dataset(ldpub_settings, out)
    build_dataset(ldpub_settings, out)
    assert beside(out) == []
    assert_whole(out)
    previous = contents(out)
    out.rename(tmp_path / "dist.old-5ca1ab1e")
    with pytest.raises(RuntimeError), publish.replacing(out) as stage:
        stage.write("dataset.nq", b"half")
        raise RuntimeError("the build fails after its repair")
    assert contents(out) == previous and beside(out) == []


def test_a_folder_that_is_not_a_build_is_never_replaced(tmp_path, ldpub_settings):
    """--out . or a folder with other files: refused in one line, nothing touched."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(BuildError, match=r"is not a previous build \(it holds 'notes.txt'"):
        build_dataset(ldpub_settings, out)
    assert contents(out) == {"notes.txt": b"keep me"} and beside(out) == []
    done = run_ldpub(ROOT, "build", "--out", str(out))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"ldpub build: {out} is not a previous build")


def test_a_symlinked_dist_keeps_its_link(tmp_path, ldpub_settings):
    real = tmp_path / "releases" / "current"
    real.parent.mkdir()
    (tmp_path / "dist").symlink_to(real, target_is_directory=True)
    build_dataset(ldpub_settings, tmp_path / "dist")
    build_dataset(ldpub_settings, tmp_path / "dist")
    assert (tmp_path / "dist").is_symlink() and real.is_dir()
    assert_whole(tmp_path / "dist")
    assert sorted(p.name for p in real.parent.iterdir()) == ["current"]


def test_two_builds_at_once_do_not_delete_each_other(tmp_path, ldpub_settings):
    """A build holds a lock on dist/'s parent while it writes; another build then stops with one
    line instead of removing the first one's folder as stale."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        (tmp_path / "dist.tmp-live").mkdir()
        with pytest.raises(BuildError, match="another build is writing in"):
            build_dataset(ldpub_settings, tmp_path / "dist")
        assert (tmp_path / "dist.tmp-live").is_dir() and not (tmp_path / "dist").exists()
    finally:
        os.close(fd)
