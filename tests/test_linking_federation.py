"""Issue 5, point 5: the federated example queries, end to end. `ldpub serve` (the project's endpoint)
serves our data; the local Wikidata stand-in (oxigraph) takes the place of https://query.wikidata.org/sparql
on the service allowlist. Without the allowlist the same query is refused."""

from __future__ import annotations

import httpx

from conftest import ENDPOINT_TEST_ENV, ROOT, serve_process

WDQS = "https://query.wikidata.org/sparql"
FEDERATED = ROOT / "data" / "queries" / "federated"
ID = "https://w3id.org/kz-masimov/id/"


def run(served, name: str, service: str) -> httpx.Response:
    query = (FEDERATED / f"{name}.rq").read_text(encoding="utf-8")
    assert f"SERVICE <{WDQS}>" in query
    return httpx.post(served.url + "/sparql", data={"query": query.replace(WDQS, service)},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)


def rows(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_federated_examples_run_against_an_allowlisted_stand_in(wikidata_stand_in, build_result, tmp_path):
    env = {**ENDPOINT_TEST_ENV, "LDPUB_RESULT_LIMIT": "1000", "LDPUB_QUERY_TIMEOUT": "20",
           "LDPUB_SERVICE_ALLOWLIST": wikidata_stand_in}
    with serve_process([build_result.out_dir / "dataset.trig"], env, log_dir=tmp_path) as served:
        places = {(r["place"], r["item"], r["regionLabel"])
                  for r in rows(run(served, "places-in-wikidata-regions", wikidata_stand_in))}
        # Kyzylorda (city) is not linked (its item is withheld), so only Taraz has a region in the stand-in.
        assert places == {(ID + "taraz", "http://www.wikidata.org/entity/Q486545", "Jambyl Region")}
        officials = {(r["person"], r["item"]) for r in rows(run(served, "officials-in-office-2017", wikidata_stand_in))}
        assert officials == {(ID + "karim-masimov", "http://www.wikidata.org/entity/Q9990001"),
                             (ID + "kairat-kojamuratov", "http://www.wikidata.org/entity/Q9990005")}


def test_federated_examples_are_refused_when_not_allowlisted(build_result, tmp_path):
    with serve_process([build_result.out_dir / "dataset.trig"], ENDPOINT_TEST_ENV, log_dir=tmp_path) as served:
        for name in ("places-in-wikidata-regions", "officials-in-office-2017"):
            r = run(served, name, WDQS)  # as written: the real Wikidata, which is not on the (empty) allowlist
            assert r.status_code == 400 and "allowlist" in r.text
