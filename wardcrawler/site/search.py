"""Search helpers for the archive's Datasette: Vietnamese FTS5 queries and snippets.

A query means what was typed, word by word (`search_terms`): a word typed with a mark (a tone,
or ă â ê ô ơ ư đ) finds only that word, whatever its case, normal form or tone placement; a word
typed without any mark finds every spelling that folds to it; quoted phrases follow the same
rule word by word, in order. `vi_snippet` highlights the same words in the text as published.
"""

from __future__ import annotations

import re
import unicodedata

from wardcrawler.normalize import fold
from wardcrawler.search_terms import matches, query_token, words

# A quoted phrase, or a run of characters that are neither space nor quote (an unquoted word).
PHRASE_RE = re.compile(r'"([^"]*)"|([^\s"]+)')
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")  # FTS5 reads a NUL as the end of the query
MATCH_NOTHING = '"wardcrawler_matches_nothing"'  # an FTS5 phrase no article contains
SEARCHED = "{title body}"  # the index's columns of search terms (not `published`)


def vi_query(query: str | None) -> str:
    """A user's search text as an FTS5 query of the index's search terms.

    Installed in place of Datasette's `escape_fts`, so that plain `?_search=` (and
    `?_search_title=`) work this way. Like `escape_fts`, each unquoted word and each quoted
    phrase must all appear (an unbalanced quote is closed at the end); unlike it, the result is
    always valid FTS5 syntax, and matches nothing when no word is left.
    """
    text = CONTROL_RE.sub(" ", query or "")
    if text.count('"') % 2:
        text += '"'
    phrases = [words(quoted or bare) for quoted, bare in PHRASE_RE.findall(text)]
    parts = [" + ".join(map(query_token, phrase)) for phrase in phrases if phrase]
    if not parts:
        return MATCH_NOTHING
    return f"{SEARCHED} : ({' '.join(parts)})"


def fts_query(query: str | None) -> str:
    """`vi_query`, for the canned queries (an empty search matches nothing)."""
    return vi_query(query)


class _FoldTable(dict):
    """`str.translate`'s table for `fold_same_length`: each character's fold (one character),
    worked out once per character (those below U+3000: what a hostile text holds beyond is
    folded each time, never kept)."""

    def __missing__(self, code: int) -> str:
        folded = (fold(chr(code)) or " ")[0]
        if code < 0x3000:
            self[code] = folded
        return folded


FOLD_TABLE = _FoldTable()


def fold_same_length(text: str) -> str:
    """`fold` applied character by character, so positions map back to the original text."""
    return text.translate(FOLD_TABLE)


def vi_snippet(text: str | None, query: str | None, context: int = 90) -> str:
    """A short excerpt of `text` around the first hit of `query`, hits wrapped in <mark> (read
    in NFC, so that text stored decomposed is highlighted too)."""
    text = unicodedata.normalize("NFC", text or "")
    asked = words(query)
    folded = {fold(word) for word in asked}
    if not text or not folded:
        return text[: 2 * context]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(folded))) + r")(?!\w)")
    hits = [
        hit for hit in pattern.finditer(fold_same_length(text))
        if any(matches(word, text[hit.start() : hit.end()]) for word in asked)
    ]  # fmt: skip
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
