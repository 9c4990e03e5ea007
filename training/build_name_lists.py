"""Extract pymorphy3's person names into `analyzer/data/person_names.tsv`.

Every dictionary word form tagged Name, Surn or Patr in the nominative
singular, with its kinds and gender. Walking the whole dictionary takes ≈30 s,
so the list is built once here and shipped as data; the analyzer reads it
with set lookups (typo candidates, the surname false-alarm test).

    python -m training.build_name_lists
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.config import DATA_DIR

OUT = DATA_DIR / "person_names.tsv"
KINDS = ("Name", "Surn", "Patr")


def collect() -> dict[str, set[str]]:
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()
    found: dict[str, set[str]] = defaultdict(set)
    for word, tag, _normal, _para, _idx in morph.dictionary.iter_known_words():
        if "nomn" not in tag or "sing" not in tag:
            continue
        for kind in KINDS:
            if kind in tag:
                gender = "femn" if "femn" in tag else "masc" if "masc" in tag else "ms-f"
                found[word.replace("ё", "е")].add(f"{kind}:{gender}")
    return found


def main() -> None:
    found = collect()
    lines = ["# word\tkinds (Name|Surn|Patr:gender), from pymorphy3's dictionary;"
             " regenerate with `python -m training.build_name_lists`"]
    lines += [f"{w}\t{','.join(sorted(k))}" for w, k in sorted(found.items())]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(found)} name forms -> {OUT}")


if __name__ == "__main__":
    main()
