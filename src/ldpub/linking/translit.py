"""Name variants across spellings and scripts, driven by data/linking/transliterations.tsv.

`VariantTable.variants("Karim Masimov")` gives the spellings worth looking up in Wikidata
(Karim Massimov, Карим Масимов, ...); `skeleton()` folds a name to a script- and spelling-neutral
key so that a label found in Wikidata can be compared with ours.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_VARIANTS = 64
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")


def script(text: str) -> str:
    """'cyrillic', 'latin', 'mixed' or 'none'."""
    cyr, lat = bool(_CYRILLIC.search(text)), bool(_LATIN.search(text))
    return "mixed" if cyr and lat else "cyrillic" if cyr else "latin" if lat else "none"


@dataclass
class VariantTable:
    groups: list[set[str]] = field(default_factory=list)  # equivalence classes (single words and phrases)
    rules: list[tuple[str, str]] = field(default_factory=list)  # Latin spelling a folds to b in skeleton()
    cyr: dict[str, str] = field(default_factory=dict)  # Cyrillic letter -> Latin

    @classmethod
    def load(cls, path: Path) -> VariantTable:
        table = cls()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            kind, a, b, *_ = ([*line.split("\t"), "", ""])[:4]
            if kind == "equiv":
                table._join(a.strip(), b.strip())
            elif kind == "rule":
                table.rules.append((a, b))
            elif kind == "cyr":
                table.cyr[a] = b
            else:
                raise ValueError(f"{path}: unknown row kind {kind!r}")
        return table

    def _join(self, a: str, b: str) -> None:
        hits = [g for g in self.groups if {a.casefold(), b.casefold()} & {x.casefold() for x in g}]
        merged = {a, b}.union(*hits) if hits else {a, b}
        self.groups = [g for g in self.groups if g not in hits] + [merged]

    def _group(self, word: str) -> set[str]:
        for g in self.groups:
            if word.casefold() in {x.casefold() for x in g}:
                return set(g)
        return {word}

    def skeleton(self, text: str) -> str:
        """Lower case, romanised, spelling rules folded, punctuation dropped: 'Масимов' -> 'masimov'."""
        out = "".join(self.cyr.get(ch, ch) for ch in text.casefold())
        for a, b in self.rules:
            out = out.replace(a, b)
        return " ".join(re.sub(r"[^\w\s]", " ", out).split())

    def variants(self, name: str) -> list[str]:
        """Spellings of a (multi-word) name, the name first; never mixes scripts in one variant."""
        phrased = {name}
        phrases = [g for g in self.groups if any(" " in x for x in g)]
        for _ in range(3):  # phrase substitutions, to a fixed point
            new = set(phrased)
            for text, group in itertools.product(list(phrased), phrases):
                # the longest member found, so "of Kazakhstan" is not swapped inside "of the Republic of Kazakhstan"
                for member in sorted(group, key=len, reverse=True):
                    pos = text.casefold().find(member.casefold())
                    if pos >= 0:
                        new.update(text[:pos] + other + text[pos + len(member):] for other in group)
                        break
            if new == phrased:
                break
            phrased = new
        out: list[str] = [name]
        for text in sorted(phrased, key=lambda t: (t != name, t)):
            words = text.split()
            for combo in itertools.product(*(sorted(self._group(w)) for w in words)):
                cand = " ".join(combo)
                if script(cand) != "mixed" and cand not in out:
                    out.append(cand)
                if len(out) >= MAX_VARIANTS:
                    return out
        return out
