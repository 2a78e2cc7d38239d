"""Faults and operations, 2: corrupt or missing input gives one clear line and a non-zero exit,
never a traceback, from the real CLI (`python -m ldpub.cli build / validate / serve FILE`) run on
a copy of the project with one fault in it.

Unreadable files: a folder named like a data file, a FIFO (which would block a reader forever),
and a chmod 000 file. Root reads a chmod 000 file anyway, so when the tests run as root the CLI
runs with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from its bounding set: root then
obeys the file's mode like anyone else."""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_project, run_ldpub

SEED = "seeds/000_f6b8256ec50a828e.txt"
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def truncated_trig(root: Path) -> Path:
    claims = root / "data" / "zz-claims.trig"  # the claims as verbose TriG (tests/fixtures/legacy-claims)
    claims.write_bytes((FIXTURES / "legacy-claims" / "claims.trig").read_bytes()[:20000])  # cut at line 375
    return claims


def bad_iri(root: Path) -> Path:
    path = root / "data" / "zz-bad-iri.ttl"
    path.write_text('<http://exa mple/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    return path


def folder_named_like_data(root: Path) -> Path:
    path = root / "data" / "zz-folder.ttl"
    path.mkdir()
    return path


def fifo(root: Path) -> Path:
    path = root / "data" / "zz-fifo.trig"
    os.mkfifo(path)
    return path


def unreadable(root: Path) -> Path:
    path = root / "data" / "entities.ttl"
    path.chmod(0)
    return path


def obey_file_modes() -> None:
    """preexec_fn: as root, lose the capabilities that bypass file modes (before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def as_reader(fault: Callable[[Path], Path]) -> dict:
    """subprocess arguments under which a chmod 000 file is really unreadable."""
    if fault is not unreadable or os.geteuid() != 0:
        return {}
    probe = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        done = run_ldpub(ROOT, "--help", preexec_fn=obey_file_modes, cwd=probe)
    except (OSError, PermissionError) as exc:  # no CAP_SETPCAP: cannot give root's bypass up
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE ({exc}): a chmod 000 file stays readable")
    assert done.returncode == 0, done.stderr
    return {"preexec_fn": obey_file_modes}


# fault, what the one line says besides the file's name
PARSE_FAULTS = [
    pytest.param(truncated_trig, r"not valid TriG: Parser error at line 375 between columns \d+ and \d+: Unexpected end of file",
                 id="truncated-trig"),
    pytest.param(bad_iri, r"not valid Turtle: Parser error at line 1 between columns 1 and 20: Invalid IRI code point ' '",
                 id="bad-iri"),
    pytest.param(folder_named_like_data, r"is a folder, not an RDF file", id="folder"),
    pytest.param(fifo, r"is not a regular file \(a FIFO, socket or device\), so it was not read", id="fifo"),
    pytest.param(unreadable, r"cannot be read: Permission denied", id="chmod-000"),
]


def one_line(done) -> str:
    """The whole output, which must be one line and no traceback."""
    output = (done.stdout + done.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.mark.parametrize(("fault", "says"), PARSE_FAULTS)
@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_broken_data_file_is_one_line(tmp_path, fault, says, command):
    root = copy_project(tmp_path / "project")
    path = fault(root)
    done = run_ldpub(root, command, timeout=60, **as_reader(fault))
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith(f"ldpub {command}: {path}: ")
    assert re.search(says, line), line
    if command == "build":
        assert line.endswith(f"nothing was written ({root / 'dist'} is as it was).")
        assert not (root / "dist").exists()


@pytest.mark.parametrize(("fault", "says"), PARSE_FAULTS)
def test_serving_a_broken_file_is_one_line(tmp_path, fault, says):
    """`ldpub serve FILE` of a file that cannot be read or parsed: one line, exit 1, and the query
    worker started beside the loading (it reads the same file) is not left running."""
    root = copy_project(tmp_path / "project")
    path = fault(root)
    done = run_ldpub(root, "serve", "--port", "0", str(path), timeout=60, **as_reader(fault))
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith(f"ldpub serve: {path}: ")
    assert re.search(says, line), line
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and str(path).encode() in _cmdline(pid)]


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


ARTICLE = "data/articles/rise-of-karim-masimov/article.toml"


def test_a_missing_seed_is_one_line(tmp_path):
    """An article folder's text missing: one line naming article.toml and the text (its claims'
    offsets come from the text, so nothing can be checked or built without it)."""
    root = copy_project(tmp_path / "project")
    (root / SEED).unlink()
    for command in ("validate", "build"):
        done = run_ldpub(root, command)
        assert done.returncode == 1
        line = one_line(done)
        assert line.startswith(f"ldpub {command}: {root / ARTICLE}: The text file {SEED} does not exist."), line


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda p: p.write_bytes(b"On the rise of \xff Karim"), f"The text file {SEED} is not UTF-8: invalid byte at offset 15."),
    (lambda p: (p.unlink(), p.mkdir()), f"The text file {SEED} is not a regular file."),
    (lambda p: (p.unlink(), os.mkfifo(p)), f"The text file {SEED} is not a regular file."),
    (lambda p: p.chmod(0), f"The text file {SEED} cannot be read: Permission denied."),
], ids=["not-utf8", "folder", "fifo", "chmod-000"])
def test_an_unusable_seed_is_one_line(tmp_path, spoil, message):
    root = copy_project(tmp_path / "project")
    spoil(root / SEED)
    reader = as_reader(unreadable) if "Permission" in message else {}
    done = run_ldpub(root, "validate", timeout=60, **reader)
    assert done.returncode == 1
    assert one_line(done) == f"ldpub validate: {root / ARTICLE}: {message} The article's quotes cannot be placed without it."


def test_a_named_file_that_is_missing_or_of_no_known_format(tmp_path):
    for arg, expected in ((tmp_path / "missing.trig", "no such file"),
                          (ROOT / "ldpub.toml", "unknown RDF file suffix '.toml'")):
        done = run_ldpub(ROOT, "validate", str(arg))
        assert done.returncode == 1
        assert one_line(done).startswith(f"ldpub validate: {arg}: {expected}")


def test_the_copy_is_a_valid_project(tmp_path):
    """The faults above are the only thing wrong: the untouched copy builds."""
    root = copy_project(tmp_path / "project")
    done = run_ldpub(root, "build")
    assert done.returncode == 0, done.stdout + done.stderr
