"""A synthetic publication shaped like ours, at any size, deterministic from a seed.

    python bench/synth.py --triples 1000000 --out DIR [--seed 1]

Writes DIR/synth.trig and the article texts DIR/articles/article-N.txt. Shape: articles (each with
its own text, SHA-256 and author), claims quoting sentences of them at code-point offsets (status
reported-fact, official-statement or author-assessment, with the hedged label opening the last
needs), an assertion per claim in its named graph (arrests with suspicions, posts held, events with
dates and places), the asserted ones copied into the default graph, shared entities with names
(persons, organisations, places, posts) drawn from a pool that grows with the size.

`ldpub validate DIR/synth.trig` passes when DIR lies inside the project (LDPUB_ROOT): the text
files are named relative to it (tests/test_synth.py checks that at ~1k triples). Sizes are
approximate (about 24 triples per claim).
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

BASE = "https://w3id.org/kz-masimov/"
ID = BASE + "id/synth/"
PREFIXES = f"""@prefix id:     <{ID}> .
@prefix kzm:    <{BASE}def#> .
@prefix status: <{BASE}id/status/> .
@prefix schema: <https://schema.org/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
"""
GIVEN = ["Aidar", "Bolat", "Dana", "Erlan", "Gulnara", "Kanat", "Marat", "Nurlan", "Saule", "Timur", "Zhanna", "Asel"]
FAMILY = ["Abenov", "Bekov", "Dzhaksybekov", "Ermekov", "Iskakov", "Kasymov", "Mukanov", "Nurpeisov", "Omarov",
          "Sadykov", "Tokayev", "Zhumabayev"]
PLACES = ["Aktau", "Atyrau", "Kyzylorda", "Shymkent", "Taraz", "Oral", "Pavlodar", "Semey", "Kostanay", "Turkistan"]
BODIES = ["committee", "agency", "ministry", "prosecutor's office", "department", "court"]
SUSPICIONS = ["bribery", "abuse of office", "smuggling", "fraud", "patronage of criminal groups", "illegal oil trade"]
TRIPLES_PER_CLAIM = 24  # about, with the share of entities and articles


def lit(text: str, lang: str = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def nni(n: int) -> str:
    return f'"{n}"^^xsd:nonNegativeInteger'


class Synth:
    def __init__(self, triples: int, seed: int, text_prefix: str) -> None:
        self.rng = random.Random(seed)
        self.claims = max(4, triples // TRIPLES_PER_CLAIM)
        self.per_article = 40
        self.articles = max(1, self.claims // self.per_article)
        self.pool = max(8, self.claims // 10)  # shared entities: each named by about ten claims
        self.text_prefix = text_prefix
        self.out: list[str] = []
        self.texts: dict[str, str] = {}

    def person(self, n: int) -> tuple[str, str]:
        return f"id:person-{n}", f"{GIVEN[n % len(GIVEN)]} {FAMILY[(n // len(GIVEN)) % len(FAMILY)]} {n}"

    def body(self, n: int) -> tuple[str, str]:
        return f"id:org-{n}", f"the {PLACES[n % len(PLACES)]} {BODIES[(n // len(PLACES)) % len(BODIES)]} {n}"

    def place(self, n: int) -> tuple[str, str]:
        return f"id:place-{n % len(PLACES)}", PLACES[n % len(PLACES)]

    def entities(self) -> None:
        w = self.out.append
        for n in range(self.pool):
            iri, name = self.person(n)
            w(f"{iri} a kzm:Person ; kzm:name {lit(name)} ; kzm:mentionForm {lit(name, '')} .")
            iri, name = self.body(n)
            w(f"{iri} a kzm:GovernmentAgency ; kzm:name {lit(name)} .")
            w(f"id:post-{n} a kzm:Post ; kzm:name {lit('head of ' + name)} .")
        for n in range(len(PLACES)):
            iri, name = self.place(n)
            w(f"{iri} a kzm:Place ; kzm:name {lit(name)} .")

    def sentence(self, kind: int, c: int) -> tuple[str, str, str, bool]:
        """(sentence, label, assertion in Turtle, asserted in the default graph)."""
        rng = self.rng
        person, pname = self.person(rng.randrange(self.pool))
        _, bname = self.body(rng.randrange(self.pool))
        place, plname = self.place(rng.randrange(len(PLACES)))
        if kind == 0:
            suspicion = rng.choice(SUSPICIONS)
            day = 1 + rng.randrange(28)
            text = f"On 2017-05-{day:02d} {bname} arrested {pname} in {plname} on suspicion of {suspicion}."
            event = f"id:arrest-{c}"
            body_ttl = (f"{event} a kzm:Arrest ; kzm:name {lit('arrest of ' + pname)} ; kzm:arrestee {person} ; "
                        f"kzm:suspicion {lit(suspicion)} ; "
                        f'kzm:date "2017-05-{day:02d}"^^xsd:date ; kzm:location {place} .')
            return text, f"{bname} arrested {pname} in {plname}", body_ttl, True
        if kind == 1:
            n = rng.randrange(self.pool)
            text = f"{pname} heads {self.body(n)[1]}."
            holding = f"id:holding-{c}"
            body_ttl = (f"{holding} a kzm:PostHolding ; rdfs:label {lit(pname + ', head')} ; org:member {person} ; "
                        f"kzm:post id:post-{n} .")
            return text, f"{pname} heads {self.body(n)[1]}", body_ttl, True
        text = f"By our estimates {pname} is on the rise in {plname}."
        return text, f"The author assesses that {pname} is on the rise", f"{person} kzm:assessment {lit('on the rise')} .", False

    def article(self, a: int, first: int, last: int) -> None:
        """An article's text: its title line, then paragraphs of five sentences (blank lines
        between), each sentence the quote of one claim (kzm:paragraph 0 is the title line)."""
        w = self.out.append
        art, author = f"id:article-{a}", f"id:author-{a}"
        title = f"Synthetic article {a}"
        text_so_far = title
        claims: list[str] = []
        statuses = ("official-statement", "reported-fact", "author-assessment")
        for c in range(first, last):
            kind = c % 3
            text, label, assertion, asserted = self.sentence(kind, c)
            text_so_far += "\n\n" if (c - first) % 5 == 0 else " "
            start = len(text_so_far)
            text_so_far += text
            claim = f"<{BASE}id/claim/s{c}>"
            w(f"{claim} a kzm:Claim ; rdfs:label {lit(label)} ; kzm:status status:{statuses[kind]} ; "
              f"prov:wasAttributedTo {author} ; kzm:source {art} ; kzm:paragraph {nni((c - first) // 5 + 1)} ; "
              f"kzm:evidence <{BASE}id/claim/s{c}#evidence> .")
            w(f"<{BASE}id/claim/s{c}#evidence> a oa:SpecificResource ; oa:hasSource {art} ; "
              f"oa:hasSelector <{BASE}id/claim/s{c}#quote> , <{BASE}id/claim/s{c}#position> .")
            w(f"<{BASE}id/claim/s{c}#quote> a oa:TextQuoteSelector ; oa:exact {lit(text, '')} .")
            w(f"<{BASE}id/claim/s{c}#position> a oa:TextPositionSelector ; oa:start {nni(start)} ; "
              f"oa:end {nni(start + len(text))} .")
            claims.append(f"{claim} {{ {assertion} }}")
            if asserted:  # the default-graph rule: official statements and reported facts are copied
                w(assertion)
        body = text_so_far + "\n"
        name = f"{self.text_prefix}article-{a}.txt"
        self.texts[f"article-{a}.txt"] = body
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        w(f"{art} a schema:Article , prov:Entity ; schema:name {lit(title)} ; "
          f"rdfs:label {lit(title)} ; schema:inLanguage \"en\" ; kzm:textFile {lit(name, '')} ; "
          f"kzm:sha256 {lit(digest, '')} ; schema:author {author} .")
        w(f"{author} a kzm:Author ; kzm:name {lit(f'the author of synthetic article {a}')} .")
        self.out.extend(claims)

    def write(self, out: Path) -> Path:
        self.entities()
        for a in range(self.articles):
            first = a * self.claims // self.articles
            self.article(a, first, (a + 1) * self.claims // self.articles)
        (out / "articles").mkdir(parents=True, exist_ok=True)
        for name, text in self.texts.items():
            (out / "articles" / name).write_text(text, encoding="utf-8")
        path = out / "synth.trig"
        path.write_text(PREFIXES + "\n".join(self.out) + "\n", encoding="utf-8")
        return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1000, help="about how many triples (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write synth.trig and articles/ into")
    parser.add_argument("--text-prefix", default=None,
                        help="kzm:textFile prefix, relative to the project root (default: OUT/articles/ relative to cwd)")
    args = parser.parse_args()
    prefix = args.text_prefix if args.text_prefix is not None else f"{args.out}/articles/"
    path = Synth(args.triples, args.seed, prefix).write(args.out)
    print(path)


if __name__ == "__main__":
    main()
