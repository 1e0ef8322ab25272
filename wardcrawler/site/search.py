"""Search helpers for the archive's Datasette: folded FTS5 queries, Vietnamese-aware snippets.

The full-text index holds the text as published and a folded copy; queries are folded the same
way, so a query typed with or without diacritics, capitals or `đ` finds the same articles.
FTS5's own `snippet()` can only highlight in the column that matched, which here is the folded
copy; `vi_snippet` highlights the same words in the text as published instead.
"""

from __future__ import annotations

import re

from datasette.utils import escape_fts

from wardcrawler.normalize import fold

WORD_RE = re.compile(r"\w+")
MATCH_NOTHING = '"wardcrawler_matches_nothing"'  # an FTS5 phrase no article contains


def folded_query(query: str | None) -> str:
    """A user's search text folded (no marks, đ -> d, lowercase) and escaped for FTS5.

    Every spelling of a word (`Đảng`, `đảng`, `DANG`, `dang`) becomes the same query, which the
    folded copy in the index answers: the spellings give identical results. Installed in place
    of Datasette's `escape_fts`, so that plain `?_search=` works this way.
    """
    return escape_fts(fold((query or "").strip()))


def fts_query(query: str | None) -> str:
    """`folded_query`, matching nothing for an empty search (for canned queries)."""
    return folded_query(query) or MATCH_NOTHING


def fold_same_length(text: str) -> str:
    """`fold` applied character by character, so positions map back to the original text."""
    return "".join((fold(c) or " ")[0] for c in text)


def vi_snippet(text: str | None, query: str | None, context: int = 90) -> str:
    """A short excerpt of `text` around the first hit of `query`, hits wrapped in <mark>."""
    text = text or ""
    terms = {fold(t) for t in WORD_RE.findall(query or "")}
    if not text or not terms:
        return text[: 2 * context]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(terms))) + r")(?!\w)")
    folded = fold_same_length(text)
    hits = list(pattern.finditer(folded))
    if not hits:
        return text[: 2 * context]
    start = max(0, hits[0].start() - context)
    end = min(len(text), hits[0].end() + context)
    pieces, cursor = [], start
    for hit in hits:
        if hit.start() < start or hit.end() > end:
            continue
        pieces += [text[cursor : hit.start()], "<mark>", text[hit.start() : hit.end()], "</mark>"]
        cursor = hit.end()
    pieces.append(text[cursor:end])
    prefix, suffix = ("…" if start else ""), ("…" if end < len(text) else "")
    return prefix + "".join(pieces) + suffix
