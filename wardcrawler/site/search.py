"""Search helpers for the archive's Datasette: folded FTS5 queries, Vietnamese-aware snippets.

The full-text index holds the text as published and a folded copy; queries are folded the same
way, so a query typed with or without diacritics, capitals or `đ` finds the same articles.
FTS5's own `snippet()` can only highlight in the column that matched, which here is the folded
copy; `vi_snippet` highlights the same words in the text as published instead.
"""

from __future__ import annotations

import re

from wardcrawler.normalize import fold

WORD_RE = re.compile(r"\w+")
# A quoted phrase, or a run of characters that are neither space nor quote (an unquoted word).
PHRASE_RE = re.compile(r'"([^"]*)"|([^\s"]+)')
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")  # FTS5 reads a NUL as the end of the query
MATCH_NOTHING = '"wardcrawler_matches_nothing"'  # an FTS5 phrase no article contains


def folded_query(query: str | None) -> str:
    """A user's search text folded (no marks, đ -> d, lowercase) as an FTS5 query of phrases.

    Every spelling of a word (`Đảng`, `đảng`, `DANG`, `dang`) becomes the same query, which the
    folded copy in the index answers: the spellings give identical results. Installed in place
    of Datasette's `escape_fts`, so that plain `?_search=` works this way. Like `escape_fts`,
    each unquoted word and each quoted phrase becomes a quoted FTS5 phrase (an unbalanced quote
    is closed at the end); unlike it, the result is always valid FTS5 syntax (no quote inside a
    phrase, no control character), and matches nothing when no word is left.
    """
    text = CONTROL_RE.sub(" ", fold(query or ""))
    if text.count('"') % 2:
        text += '"'
    phrases = (" ".join((quoted or bare).split()) for quoted, bare in PHRASE_RE.findall(text))
    return " ".join(f'"{phrase}"' for phrase in phrases if phrase) or MATCH_NOTHING


def fts_query(query: str | None) -> str:
    """`folded_query`, for the canned queries (an empty search matches nothing)."""
    return folded_query(query)


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
