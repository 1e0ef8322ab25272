"""Search terms: how a Vietnamese word is indexed so that a search means what was typed.

Every word of an article is indexed as one FTS5 token `FOLDED_MARKS`: the word folded (no marks,
`đ` -> `d`, lowercase) then, after `_`, its marks spelled in ASCII: the letter modifiers at their
place (`2c` = a circumflex on the third letter; `b` breve, `h` horn, `d` the stroke of `đ`), then
the tone (`s` sắc, `f` huyền, `r` hỏi, `x` ngã, `j` nặng). `Đảng` is `dang_0dr`, `đang` `dang_0d`,
`dạng` `dang_j`, `dang` `dang_`. Because the tone is written once for the word, the old and new
tone placements (`uỷ`/`ủy`, `hoà`/`hòa`) give the same token; case and NFC/NFD give the same token.

A query word typed with a mark is that exact token; one typed without any mark is the prefix
`dang_*`, which FTS5 answers with every spelling that folds to it. Stored text never changes:
these tokens live only in the index (`store.schema`) and in queries (`site.search`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from wardcrawler.normalize import fold

# A word: letters and digits (never `_`, the token's separator), with any combining marks.
WORD_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
MODIFIERS = {"\u0302": "c", "\u0306": "b", "\u031b": "h"}
SEPARATOR = "_"  # a token character of the index's tokenizer (`tokenchars '_'`)


def words(text: str | None) -> list[str]:
    """The words of a text, as the index and the queries split it."""
    return WORD_RE.findall(unicodedata.normalize("NFC", text or ""))


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The index token of one word: `folded_marks` (see the module's docstring)."""
    letters = 0  # letters seen so far: where a modifier sits
    modifiers: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in TONES:
            tones.append(TONES[char])
        elif char in MODIFIERS and letters:
            modifiers.append(f"{letters - 1}{MODIFIERS[char]}")
        elif unicodedata.combining(char):
            tones.append(f"m{ord(char):x}z")  # another mark: kept, so that it still counts
        else:
            letters += 1
            if char == "đ":
                modifiers.append(f"{letters - 1}d")
    return fold(word) + SEPARATOR + "".join(modifiers) + "".join(tones)


def marked(word: str) -> bool:
    """Whether a word carries any mark (then a search for it means exactly it)."""
    return not term(word).endswith(SEPARATOR)


def index_text(text: str | None) -> str:
    """A text as the index holds it: one token per word, in order."""
    return " ".join(term(word) for word in words(text))


def query_token(word: str) -> str:
    """The FTS5 token that a query word stands for: exact if marked, else every spelling."""
    token = term(word)
    return f'"{token}"' if marked(word) else f'"{token}" *'


def matches(query_word: str, text_word: str) -> bool:
    """Whether a word of the text answers a word of the query (the same rule as the index)."""
    if marked(query_word):
        return term(query_word) == term(text_word)
    return term(text_word).split(SEPARATOR, 1)[0] == term(query_word)[:-1]
