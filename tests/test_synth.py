"""bench/synth.py: a synthetic publication shaped like ours, deterministic, valid at small sizes."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox

from conftest import ROOT, copy_project, run_ldpub

SYNTH = ROOT / "bench" / "synth.py"


def synth(out, triples: int, seed: int = 1) -> None:
    subprocess.run([sys.executable, SYNTH, "--triples", str(triples), "--seed", str(seed), "--out", out,
                    "--text-prefix", "synth/articles/"], check=True, capture_output=True)


def test_synth_validates_and_is_deterministic(tmp_path):
    project = copy_project(tmp_path / "project")
    synth(project / "synth", 1000)
    trig = project / "synth" / "synth.trig"
    store = ox.Store()
    store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
    assert 700 <= len(store) <= 1500, len(store)
    kinds = {q.object.value.rsplit("/", 1)[1] for q in store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/kz-masimov/def#status"), None)}
    assert kinds == {"official-statement", "reported-fact", "author-assessment"}
    assert len(list(store.named_graphs())) >= 30
    done = run_ldpub(project, "validate", str(trig))
    assert done.returncode == 0 and "CONFORMS" in done.stdout, done.stdout + done.stderr
    first = trig.read_bytes()
    synth(project / "synth", 1000)
    assert trig.read_bytes() == first
    synth(project / "other", 1000, seed=2)
    assert (project / "other" / "synth.trig").read_bytes() != first
