"""`ldpub new-article TEXT --title …`: the folder of a new article (README, "Publish your next
article"): the text copied byte for byte, article.toml with its SHA-256, an entity for its author,
and a claims file holding a commented example."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

from ldpub.build.articles import ARTICLE_FILE, TEXT_FILE
from ldpub.build.text import paragraph_of
from ldpub.errors import BuildError
from ldpub.settings import Settings, load_settings

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

CLAIMS_TEMPLATE = """\
# The claims of "{title}", one [[claim]] record each (README, "Publish your next article").
# Write: id, status, label, quote (copied exactly from article.txt) and the assertion in Turtle (the
# publication's prefixes, id: kzm: org: time: …, need no declaration). attributed-to and source default
# to article.toml's author and to the article; give them when the claim is someone else's (an official
# statement: attributed-to = "id:cns", source = "id:some-statement"). The build finds the quote and adds
# the offsets, the paragraph and the evidence. A quote found twice needs `occurrence = 1` (or 2 …).
# Statuses: official-statement, reported-fact, author-assessment, unnamed-source, forecast, speculation.
# A label of any status but the first two begins as the status says ("The author assesses that …",
# "According to the author's unnamed sources, …", "The author expects …", "The author raises the
# possibility that …").
#
# [[claim]]
# id = "01"
# status = "reported-fact"
# label = "What the sentence states, in a sentence"
# quote = {quote}
# assertion = '''
# id:some-entity kzm:name "its name as the article writes it"@en .
# '''
"""


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower()))[:60].strip("-")


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's


def create_article(settings: Settings, text_file: Path, title: str, slug: str | None = None,
                   language: str = "en", date: str | None = None, url: str | None = None) -> Path:
    """The new folder data/articles/<slug>/; BuildError (one line) on bad input, nothing written."""
    title = title.strip()
    if not title:
        raise BuildError("the title is empty")
    slug = slug or slugify(title)
    if not _SLUG.fullmatch(slug):
        raise BuildError(f"the slug {slug!r} must be lower-case letters and digits joined by single hyphens (--slug)")
    if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise BuildError(f"the date {date!r} must be written YYYY-MM-DD")
    try:
        raw = text_file.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{text_file}: cannot be read as UTF-8 text: {exc}") from None
    if not text.strip():
        raise BuildError(f"{text_file}: the text is empty")
    folder = settings.articles_path / slug
    if folder.exists():
        raise BuildError(f"{folder} exists already: choose another --slug")
    author = f"{slug}-author"
    meta = [f"# {title}: the article's metadata (README, \"Publish your next article\"). Leave out what is not known.",
            f"title = {_toml(title)}", f"language = {_toml(language)}",
            f"sha256 = {_toml(hashlib.sha256(raw).hexdigest())}  # of article.txt; `ldpub validate` checks it",
            f"author = \"id:{author}\"  # described in entities.ttl; or an agent of data/entities.ttl",
            f"date = {date}" if date else "# date = YYYY-MM-DD            # publication date, if known",
            "# not-published-before = YYYY-MM-DD  # when only a lower bound is known",
            f"url = {_toml(url)}" if url else "# url = \"https://…\"",
            "# publisher = \"id:…\"", "# licence = \"https://creativecommons.org/licenses/by/4.0/\"",
            "# about = [\"id:…\"]"]
    first_line = text.strip().splitlines()[0]
    example_quote = next((line for line in text.splitlines() if line.strip() and paragraph_of(text, text.find(line)) == 1),
                         first_line).strip()
    if len(example_quote) > 80:  # a few words of it, cut at a space
        example_quote = example_quote[:80].rsplit(" ", 1)[0]
    entities = ["@prefix id:   <" + settings.iris.ids + "> .", "@prefix kzm:  <" + settings.iris.vocab + "> .", "",
                f"# The author of \"{title}\". Name them if the article does; else say who they are.",
                f"id:{author} a kzm:Author ;", f"    kzm:name {_toml('the author of “' + title + '”')}@{language} ."]
    folder.mkdir(parents=True)
    (folder / TEXT_FILE).write_bytes(raw)  # byte for byte: every offset points into it
    (folder / ARTICLE_FILE).write_text("\n".join(meta) + "\n", encoding="utf-8")
    (folder / "entities.ttl").write_text("\n".join(entities) + "\n", encoding="utf-8")
    (folder / "claims.toml").write_text(CLAIMS_TEMPLATE.format(title=title, quote=_toml(example_quote)), encoding="utf-8")
    return folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", type=Path, help="the article's text, UTF-8 (copied byte for byte)")
    parser.add_argument("--title", required=True, help="the article's title")
    parser.add_argument("--slug", help="the folder and IRI name (default: from the title); IRIs id/article/<slug>")
    parser.add_argument("--language", default="en", help="language of the text and the labels (default: en)")
    parser.add_argument("--date", help="publication date YYYY-MM-DD, if known")
    parser.add_argument("--url", help="where the article was published, if known")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        folder = create_article(settings, args.text, args.title, args.slug, args.language, args.date, args.url)
    except BuildError as err:
        print(f"ldpub new-article: {err.message}", file=sys.stderr)
        return 1
    print(f"ldpub new-article: created {folder}/ ({TEXT_FILE}, {ARTICLE_FILE}, entities.ttl, claims.toml)")
    print("  next: fill in article.toml, write claims in claims.toml, then `ldpub validate` and `ldpub build`")
    return 0
