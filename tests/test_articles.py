"""A publication of many articles: article folders, claims in the compact form, `ldpub new-article`,
and the second (test) article (README, "Publish your next article"; docs/modelling.md, "Articles")."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FIXTURES, ROOT, SECOND_ARTICLE, copy_project, run_ldpub
from ldpub.build.articles import article_folders
from ldpub.build.sources import load_sources, source_files
from ldpub.build.text import paragraph_of
from ldpub.iris import IriScheme
from ldpub.ns import OA, ORG, SCHEMA, TIME

LEGACY = FIXTURES / "legacy-claims"
BASE = "https://w3id.org/kz-masimov/"
KZM = BASE + "def#"
SLUG = SECOND_ARTICLE.name


def claims_of(quads) -> set[str]:
    return {q.subject.value for q in quads if q.predicate.value.endswith("#type") and q.object.value == KZM + "Claim"}


def test_compact_claims_build_the_verbose_trig_quad_for_quad(ldpub_settings):
    """The 25 claims, the editors' 7 and the article's description, written in the compact form,
    give every quad the verbose TriG of tests/fixtures/legacy-claims gives, and no other."""
    _, data_files = source_files(ldpub_settings)
    legacy = load_sources(ldpub_settings, [*data_files, *sorted(LEGACY.glob("*.trig")), LEGACY / "article.ttl"]).dataset
    compact = load_sources(ldpub_settings).dataset
    assert len(claims_of(legacy)) == 32 and claims_of(legacy) == claims_of(compact)
    assert len(set(legacy)) == len(legacy) > 2000
    missing, extra = set(legacy) - set(compact), set(compact) - set(legacy)
    assert not missing and not extra, (sorted(map(str, missing))[:5], sorted(map(str, extra))[:5])


def test_the_derived_paragraphs_are_those_the_editors_wrote(ldpub_settings):
    """paragraph_of, the rule of the build and of `ldpub validate`, against the hand-written numbers."""
    quads = [q for path in LEGACY.glob("*.trig") for q in ox.parse(path=str(path))]
    text = (ROOT / "seeds" / "000_f6b8256ec50a828e.txt").read_text(encoding="utf-8")
    starts = {q.subject.value.split("#")[0]: int(q.object.value) for q in quads if q.predicate.value == OA + "start"}
    written = {q.subject.value: int(q.object.value) for q in quads if q.predicate.value == KZM + "paragraph"}
    assert len(written) == 32 and len(set(written.values())) == 9
    assert {c: paragraph_of(text, starts[c]) for c in written} == written


def test_the_iri_scheme_of_articles():
    iris = IriScheme(BASE)
    assert iris.article_iri(None) == BASE + "id/article"
    assert iris.claim("c08") == BASE + "id/claim/c08"
    assert iris.article_iri("x") == BASE + "id/article/x"
    assert iris.claim("01", "x") == BASE + "id/article/x/claim/01"
    assert iris.evidence(iris.claim("01", "x")) == BASE + "id/article/x/claim/01#evidence"


# ---------------------------------------------------------------- errors an editor meets


def project_with_article(tmp_path: Path, claims: str) -> tuple[Path, Path]:
    """A copy of the project with the second article created by `ldpub new-article` and `claims`
    appended to its claims.toml; (root, claims file)."""
    root = copy_project(tmp_path / "project")
    done = run_ldpub(root, "new-article", str(SECOND_ARTICLE / "article.txt"), "--title", "The fall of Karim Masimov",
                     "--slug", SLUG)
    assert done.returncode == 0, done.stderr
    path = root / "data" / "articles" / SLUG / "claims.toml"
    path.write_text(path.read_text(encoding="utf-8") + claims, encoding="utf-8")
    return root, path


CLAIM = '''
[[claim]]
id = "{id}"
status = "reported-fact"
label = "Masimov led the committee"
quote = "{quote}"{more}
assertion = """
id:karim-masimov kzm:assessment "x"@en .
"""
'''


def test_a_quote_not_in_the_text_names_the_file_the_record_and_the_nearest_passage(tmp_path):
    root, path = project_with_article(tmp_path, CLAIM.format(id="01", quote="He had lead the committee since 2016", more=""))
    done = run_ldpub(root, "validate")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    line = done.stderr.strip()
    assert line.startswith(f"ldpub validate: {path}: claim 01 (line "), line
    assert "the quote is not in the text" in line
    assert "'He had led the committee since 2016'" in line and "(paragraph 2)" in line


def test_an_ambiguous_quote_needs_its_occurrence(tmp_path):
    root, path = project_with_article(tmp_path, CLAIM.format(id="01", quote="the committee", more=""))
    done = run_ldpub(root, "build")
    assert done.returncode == 1
    assert re.search(r"claim 01 \(line \d+\): the quote occurs 6 times \(offsets \d+(, \d+){5}\); say which", done.stderr)
    text = path.with_name("article.txt").read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace('quote = "the committee"', 'quote = "the committee"\noccurrence = 3'))
    done = run_ldpub(root, "build")
    assert done.returncode == 0, done.stdout + done.stderr
    store = ox.Store()
    store.bulk_load(path=str(root / "dist" / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    (row,) = store.query(f"SELECT ?s WHERE {{ <{BASE}id/article/{SLUG}/claim/01#position> <{OA}start> ?s }}")
    third = [m.start() for m in re.finditer("the committee", text)][2]
    assert int(row["s"].value) == third


def test_bad_turtle_in_an_assertion_names_the_claim(tmp_path):
    root, path = project_with_article(tmp_path, CLAIM.format(id="01", quote="He had led the committee since 2016", more="")
                                      .replace('"x"@en .', '.'))  # a predicate without its object
    done = run_ldpub(root, "validate")
    assert done.returncode == 1
    assert done.stderr.startswith(f"ldpub validate: {path}: claim 01 (line ")
    assert "`assertion` is not valid Turtle" in done.stderr


# ---------------------------------------------------------------- README, "Publish your next article"


def test_publish_your_next_article_as_the_readme_says(tmp_path):
    """The five steps of the README, with the real CLI in a copy of the publication."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Publish your next article", 1)[1].split("\n## ", 1)[0]
    for command in ("ldpub new-article", "ldpub validate", "ldpub build", "ldpub serve"):
        assert command in section
    two = '''
[[claim]]
id = "01"
status = "reported-fact"
label = "Karim Masimov led the committee from 2016"
quote = "He had led the committee since 2016"
assertion = """
holding:masimov-cns-chairman-2016 a kzm:PostHolding ; org:member id:karim-masimov ; kzm:post post:cns-chairman .
"""

[[claim]]
id = "02"
status = "forecast"
label = "The author expects the case to be heard behind closed doors"
quote = "The case is expected to be heard behind closed doors"
assertion = """
id:karim-masimov kzm:expectedOutcome "a case heard behind closed doors"@en .
"""
'''
    root, _ = project_with_article(tmp_path, two)  # steps 1-3: new-article, metadata as written, two claims
    assert (root / "data" / "articles" / SLUG / "article.txt").read_bytes() == (SECOND_ARTICLE / "article.txt").read_bytes()
    validated = run_ldpub(root, "validate")  # step 4
    assert validated.returncode == 0, validated.stdout + validated.stderr
    built = run_ldpub(root, "build")  # step 5
    assert built.returncode == 0, built.stdout + built.stderr
    store = ox.Store()
    store.bulk_load(path=str(root / "dist" / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    article = f"{BASE}id/article/{SLUG}"
    rows = store.query(f"""PREFIX kzm: <{KZM}> PREFIX oa: <{OA}>
        SELECT ?claim ?exact ?start ?end ?paragraph WHERE {{
          ?claim kzm:evidence ?e ; kzm:paragraph ?paragraph ; kzm:source <{article}> .
          ?e oa:hasSource <{article}> ; oa:hasSelector/oa:exact ?exact ; oa:hasSelector/oa:start ?start ;
             oa:hasSelector/oa:end ?end }} ORDER BY ?claim""")
    found = [(r["claim"].value, r["exact"].value, int(r["start"].value), int(r["end"].value), r["paragraph"].value) for r in rows]
    assert [f[0] for f in found] == [f"{article}/claim/01", f"{article}/claim/02"]
    text = (SECOND_ARTICLE / "article.txt").read_text(encoding="utf-8")
    assert all(text[start:end] == exact for _, exact, start, end, _ in found)
    assert [f[4] for f in found] == ["2", "3"]
    # the reported fact is in the default graph; the forecast only in its own graph
    assert store.query(f"ASK {{ <{BASE}id/holding/masimov-cns-chairman-2016> <{ORG}member> <{BASE}id/karim-masimov> }}")
    assert not store.query(f'ASK {{ <{BASE}id/karim-masimov> <{KZM}expectedOutcome> ?o }}')


# ---------------------------------------------------------------- the two-article test publication


@pytest.fixture(scope="module")
def two_store(two_article_publication) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(two_article_publication.dist_path / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def test_the_shipped_publication_is_the_one_seed_article(ldpub_settings):
    assert [p.name for p in article_folders(ldpub_settings)] == ["rise-of-karim-masimov"]


def test_the_second_article_exercises_every_status_of_an_article(two_store):
    rows = two_store.query(f"""SELECT DISTINCT ?status WHERE {{ ?c <{KZM}status> ?status ;
        <{KZM}evidence>/<{OA}hasSource> <{BASE}id/article/{SLUG}> }}""")
    statuses = {r["status"].value.rsplit("/", 1)[1] for r in rows}
    assert statuses == {"official-statement", "reported-fact", "author-assessment", "unnamed-source", "forecast", "speculation"}


def test_the_second_article_shares_entities_and_bounds_a_post_holding(two_store):
    """Masimov, chairman until 5 January 2022 (claim 03) since 2016 (claim 04): a holding with an
    end date in the default graph, beside the first article's undated chairmanship (c17)."""
    rows = list(two_store.query(f"""PREFIX org: <{ORG}> PREFIX time: <{TIME}>
        SELECT ?holding ?start ?end WHERE {{
          ?holding org:member <{BASE}id/karim-masimov> ; org:organization <{BASE}id/cns> .
          OPTIONAL {{ ?holding org:memberDuring/time:hasBeginning/time:inXSDgYear ?start }}
          OPTIONAL {{ ?holding org:memberDuring/time:hasEnd/time:inXSDDate ?end }} }} ORDER BY ?holding"""))
    found = [(r["holding"].value.rsplit("/", 1)[1], r["start"] and r["start"].value, r["end"] and r["end"].value) for r in rows]
    assert found == [("masimov-cns-chairman", None, None), ("masimov-cns-chairman-2016-2022", "2016", "2022-01-05")]
    name = two_store.query(f"SELECT ?n WHERE {{ <{BASE}id/karim-masimov> <{SCHEMA}name> ?n }}")
    assert [r["n"].value for r in name] == ["Karim Masimov"]  # one entity, reused by IRI


def test_who_holds_which_post_as_of_the_articles_date(two_store, two_article_publication):
    """Query 07: the second article's holdings all ended before it can have been published
    (8 January 2022), so only the first article's rows remain; with a publication date inside the
    chairmanship, that holding is listed, with its start and end."""
    query = (ROOT / "data" / "queries" / "07-who-holds-which-post.rq").read_text(encoding="utf-8")
    rows = list(two_store.query(query))
    assert sorted(r["claim"].value.rsplit("/", 1)[1] for r in rows) == ["c08", "c17", "c19"]
    article = ox.NamedNode(f"{BASE}id/article/{SLUG}")
    two_store.add(ox.Quad(article, ox.NamedNode(SCHEMA + "datePublished"),
                          ox.Literal("2022-01-04", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))))
    try:
        rows = [r for r in two_store.query(query) if r["article"] == article]
        assert [(r["claim"].value.rsplit("/", 1)[1], r["start"].value, r["end"].value) for r in rows] == [("04", "2016", "2022-01-05")]
    finally:
        two_store.remove(ox.Quad(article, ox.NamedNode(SCHEMA + "datePublished"),
                                 ox.Literal("2022-01-04", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))))


def test_example_queries_say_which_article_each_row_comes_from(two_store):
    """Every example query with a ?claim column has an ?article column beside it, and in the
    two-article publication each row's article is the one the claim's IRI belongs to."""
    queries = sorted((ROOT / "data" / "queries").glob("*.rq"))
    with_claims = [q for q in queries if re.search(r"^SELECT[^\n]* \?claim(?=\s|$)", q.read_text(encoding="utf-8"), re.MULTILINE)]
    assert len(with_claims) >= 15
    seen_second = 0
    for path in with_claims:
        result = two_store.query(path.read_text(encoding="utf-8"))
        assert "article" in [v.value for v in result.variables], path.name
        for row in result:
            claim, article = row["claim"].value, row["article"].value
            expected = f"{BASE}id/article/{SLUG}" if claim.startswith(f"{BASE}id/article/{SLUG}/") else f"{BASE}id/article"
            assert article == expected, (path.name, claim, article)
            seen_second += article != f"{BASE}id/article"
    assert seen_second >= 9  # the second article's claims show up (08 lists all of them)


@pytest.mark.parametrize(("line", "says"), [
    ('date = "8 January 2022"', '`date` = \'8 January 2022\' must be a date written YYYY-MM-DD, without quotes'),
    ("text-end = -1", "`text-end` = -1 must be a whole number of characters"),
    ('titel = "x"', "unknown key(s) titel"),
], ids=["date-as-words", "negative-end", "misspelt-key"])
def test_bad_metadata_is_one_line_naming_the_key(tmp_path, line, says):
    root, path = project_with_article(tmp_path, "")
    meta = path.with_name("article.toml")
    meta.write_text(meta.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    done = run_ldpub(root, "build")
    assert done.returncode == 1
    assert done.stderr.startswith(f"ldpub build: {meta}: ") and says in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_validate_takes_article_folders(ldpub_settings):
    """`ldpub validate FILE|FOLDER…`: the data files, the first article and the second one's folder."""
    _, data_files = source_files(ldpub_settings)
    done = run_ldpub(ROOT, "validate", "--quiet", *map(str, data_files), *map(str, article_folders(ldpub_settings)),
                     str(SECOND_ARTICLE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Validation: CONFORMS")
