"""Search helpers for the archive's Datasette: Vietnamese FTS5 queries and snippets.

A query means what was typed, word by word (`search_terms`): a word typed with a mark (a tone,
or ă â ê ô ơ ư đ) finds only that word, whatever its case, normal form or tone placement; a word
typed without any mark finds every spelling that folds to it; quoted phrases follow the same
rule word by word, in order. `vi_snippet` highlights the same words in the text as published.

An unmarked word is every token of the index that starts with its folded form (`dang_`). FTS5
answers such a prefix query by merging the doclists of all those tokens in full before giving a
first row, whatever the LIMIT: 50 ms at 200,000 articles for `dang`, even for one article's
rowid. Given the index's own list of them (`IndexedSpellings`), a lone unmarked word is written
as the OR of its spellings instead, which FTS5 reads lazily (0.5 ms for the newest 51 rows).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable

from wardcrawler.normalize import fold
from wardcrawler.search_terms import SEPARATOR, marked, matches, query_token, term, words

# A quoted phrase, or a run of characters that are neither space nor quote (an unquoted word).
PHRASE_RE = re.compile(r'"([^"]*)"|([^\s"]+)')
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")  # FTS5 reads a NUL as the end of the query
MATCH_NOTHING = '"wardcrawler_matches_nothing"'  # an FTS5 phrase no article contains
SEARCHED = "{title body}"  # the index's columns of search terms (not `published`)
MAX_SPELLINGS = 64  # more tokens than that under one folded word: the prefix query instead
Spellings = Callable[[str], "list[str] | None"]  # `dang_` -> the index's tokens starting so


def vi_query(query: str | None, spellings: Spellings | None = None) -> str:
    """A user's search text as an FTS5 query of the index's search terms.

    Installed in place of Datasette's `escape_fts`, so that plain `?_search=` (and
    `?_search_title=`) work this way. Like `escape_fts`, each unquoted word and each quoted
    phrase must all appear (an unbalanced quote is closed at the end); unlike it, the result is
    always valid FTS5 syntax, and matches nothing when no word is left. With `spellings`, a
    lone unmarked word is the OR of the index's tokens for it (the same rows, read lazily).
    """
    text = CONTROL_RE.sub(" ", query or "")
    if text.count('"') % 2:
        text += '"'
    phrases = [words(quoted or bare) for quoted, bare in PHRASE_RE.findall(text)]
    parts = [phrase_query(phrase, spellings) for phrase in phrases if phrase]
    if not parts:
        return MATCH_NOTHING
    return f"{SEARCHED} : ({' AND '.join(parts)})"  # AND: FTS5 has no implicit AND before a (


def phrase_query(phrase: list[str], spellings: Spellings | None) -> str:
    """One word or quoted phrase as FTS5: its tokens in order, or a lone unmarked word's
    spellings in the index ORed (a phrase keeps its prefix tokens: FTS5 has no OR inside a
    phrase, and an OR of every combination of spellings measured twice as slow)."""
    if spellings is None or len(phrase) != 1 or marked(phrase[0]):
        return " + ".join(map(query_token, phrase))
    found = spellings(term(phrase[0]))
    if not found or len(found) > MAX_SPELLINGS:  # none (it matches nothing either way), many
        return query_token(phrase[0])
    return "(" + " OR ".join(f'"{token}"' for token in found) + ")"


def fts_query(query: str | None, spellings: Spellings | None = None) -> str:
    """`vi_query`, for the canned queries (an empty search matches nothing)."""
    return vi_query(query, spellings)


class IndexedSpellings:
    """The tokens of the archive's index that start with a folded word and its separator
    (`dang_` -> `dang_0d`, `dang_0dr`, `dang_j`), read from an fts5vocab table of the index on
    the connection's temp schema (read-only connections may create one).

    The vocabulary is walked from token to token (`term >= previous + AFTER`): each step is one
    seek in the index, never a read of a token's occurrences (`term > previous` reads them all
    to step over them). None when the connection has no index or it cannot be read (the
    caller then writes the prefix query).
    """

    VOCABULARY = "temp.wardcrawler_terms"
    NEXT = f"SELECT term FROM {VOCABULARY} WHERE term >= ? AND term < ? LIMIT 1"
    AFTER = chr(1)  # appended to a token: the least string after it (no token holds U+0001)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ready: bool | None = None  # whether the vocabulary table is there (None: untried)

    def __call__(self, prefix: str) -> list[str] | None:
        if not prefix.endswith(SEPARATOR) or not self.prepared():
            return None
        end = prefix[:-1] + chr(ord(SEPARATOR) + 1)  # the least string after every `dang_...`
        found: list[str] = []
        try:
            row = self.conn.execute(self.NEXT, (prefix, end)).fetchone()
            while row and len(found) <= MAX_SPELLINGS:
                found.append(row[0])
                row = self.conn.execute(self.NEXT, (row[0] + self.AFTER, end)).fetchone()
        except sqlite3.Error:
            return None
        return found

    def prepared(self) -> bool:
        """Whether the vocabulary table is there (made on first use)."""
        if self.ready is None:
            try:
                self.conn.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.VOCABULARY}"
                    " USING fts5vocab(main, articles_fts, instance)"
                )
                self.conn.execute(f"SELECT term FROM {self.VOCABULARY} LIMIT 1").fetchall()
                self.ready = True
            except sqlite3.Error:
                self.ready = False
        return self.ready


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
