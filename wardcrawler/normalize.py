"""Field normalisation: text as published (NFC, collapsed spaces), dates, view counts, folding.

Stored text is never rewritten beyond Unicode NFC, whitespace collapsing and dropping control
characters; `fold` produces the separate search form (no marks, đ -> d, lowercase). Text typed
in a legacy Vietnamese font (TCVN3, VNI) is converted by viparse; dates that cannot be (31/02)
or that lie after the fetch are told apart from dates that are merely missing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
# A posting time later than the fetch by more than this is no clock skew: the date is wrong.
CLOCK_SKEW = timedelta(days=1)

_SPACE_RE = re.compile(r"\s+")
# C0 controls, DEL and C1 controls that are not whitespace (the whitespace ones, tab, newline,
# CR, VT, FF, U+001C-U+001F and NEL, collapse to a space like any other whitespace).
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_TIME_RE = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?![\d/])")
_OFFSET_RE = re.compile(r"\((?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\)", re.IGNORECASE)
_VIEWS_RE = re.compile(r"(?:lượt\s+xem|lượt\s+đọc)\s*:?\s*(\d[\d.,\s]*)", re.IGNORECASE)


def clean_text(text: str | None) -> str:
    """NFC-normalise, drop control characters, collapse whitespace runs (NBSP included) to one
    space, and trim."""
    if not text:
        return ""
    text = _CONTROL_RE.sub("", unicodedata.normalize("NFC", text))
    return _SPACE_RE.sub(" ", text).strip()


def _vietnamese_letters() -> frozenset[str]:
    """The non-ASCII letters of the Vietnamese alphabet: its vowels with each tone, and đ/Đ."""
    vowels = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels + vowels.upper() for t in tones}
    return frozenset(c for c in letters | {"đ", "Đ"} if not c.isascii())


VIETNAMESE_LETTERS = _vietnamese_letters()
# Text pasted from a legacy font holds only Latin-1 (and Windows-1252) look-alikes of letters.
_CP1252_HIGH = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))
LEGACY_FONTS = ("tcvn3", "vni")
PLAUSIBLE_SHARE = 0.95  # share of non-ASCII letters that are Vietnamese in Vietnamese text
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD_RE = re.compile(r"[^\W\d_]+")
_VOWEL_RUN_RE = re.compile("[aeiouy]+")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
SAMPLE_CHARS = 1 << 18  # how much of a long page is read to judge whether it is Vietnamese


def vietnamese_share(text: str) -> float | None:
    """Share of the non-ASCII letters of a text that are Vietnamese letters (None: no such
    letter): near 1 for Vietnamese, far lower for mojibake and legacy-font text."""
    counts = Counter(_NON_ASCII_RE.findall(unicodedata.normalize("NFC", text)))
    letters = {c: n for c, n in counts.items() if c.isalpha()}
    if not letters:
        return None
    return sum(n for c, n in letters.items() if c in VIETNAMESE_LETTERS) / sum(letters.values())


def plausible_vietnamese(text: str) -> bool:
    """Whether a text reads as Vietnamese: its non-ASCII letters are Vietnamese letters and its
    words with marks are spelt as syllables, hardly any exceptions allowed (a long text is
    judged on evenly spread samples of it)."""
    text = _sample(unicodedata.normalize("NFC", text))
    share = vietnamese_share(text)
    if share is None or share < PLAUSIBLE_SHARE:
        return False
    words = Counter(w for w in _WORD_RE.findall(text) if not w.isascii())
    good = sum(n for w, n in words.items() if _syllable(w))
    return good >= PLAUSIBLE_SHARE * sum(words.values())


def _sample(text: str, size: int = SAMPLE_CHARS, pieces: int = 16) -> str:
    """A long text's evenly spread slices, `size` characters in all; a short text whole."""
    if len(text) <= size:
        return text
    step, width = len(text) // pieces, size // pieces
    return "\n".join(text[i * step : i * step + width] for i in range(pieces))


def _syllable(word: str) -> bool:
    """Whether a written word can be one Vietnamese syllable: one run of vowels, at most one
    tone, no small đ inside (`QĐ` is an abbreviation, `niđo` no syllable)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(c in _TONE_MARKS for c in decomposed)
    bases = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    vowel_runs = len(_VOWEL_RUN_RE.findall(bases))
    return tones <= 1 and vowel_runs <= 1 and "đ" not in word[1:]


def _legacy_candidate(text: str) -> bool:
    """Whether a text may be typed in a legacy font: Latin-1 look-alikes, not Vietnamese."""
    if text.isascii() or any(c > "\xff" and c not in _CP1252_HIGH for c in text):
        return False
    share = vietnamese_share(text)
    return share is not None and share < PLAUSIBLE_SHARE


def legacy_font_texts(texts: list[str]) -> tuple[list[str], list[str]]:
    """Texts typed in a legacy Vietnamese font (TCVN3, VNI) converted to Unicode by viparse,
    with flags naming the fonts; texts whose conversion does not read as Vietnamese are kept
    as they are, flagged as suspected. Texts of no legacy font come back unchanged, unflagged."""
    candidates = [t for t in texts if _legacy_candidate(t)]
    if not candidates:
        return texts, []
    converted: dict[str, str] = {}
    found: dict[str, set[str]] = {"converted": set(), "suspected": set()}
    for text, font in _legacy_fonts(candidates).items():
        fixed = _from_legacy(text, font)
        if plausible_vietnamese(fixed):
            converted[text] = fixed
        found["converted" if text in converted else "suspected"].add(font.upper())
    flags = [f"legacy font text {kind} ({', '.join(sorted(fonts))})"
             for kind, fonts in found.items() if fonts]  # fmt: skip
    return [converted.get(t, t) for t in texts], flags


def _legacy_fonts(candidates: list[str]) -> dict[str, str]:
    """The legacy font viparse tells for each candidate text (from all of them together for
    texts too short to tell alone); texts of no font left out."""
    import viparse  # imported lazily: only pages with Latin-1 look-alike text need it

    fonts = {t: viparse.detect_text_encoding(t) for t in candidates}
    if any(f not in LEGACY_FONTS for f in fonts.values()):
        together = viparse.detect_text_encoding("\n".join(candidates))
        fonts = {t: f if f in LEGACY_FONTS else together for t, f in fonts.items()}
    return {t: f for t, f in fonts.items() if f in LEGACY_FONTS}


def _from_legacy(text: str, font: str) -> str:
    """A text typed in a legacy font, converted to Unicode (cleaned as stored text is)."""
    import viparse

    return clean_text(viparse.fix(text, encoding=font))


def fold(text: str | None) -> str:
    """Search form: strip every combining mark, map đ/Đ to d, lowercase."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


@dataclass(frozen=True)
class ParsedDate:
    """A posted date as ISO 8601 with offset; `exact` tells whether the fast path read it."""

    iso: str
    exact: bool


def parse_posted(raw: str | None) -> ParsedDate | None:
    """Parse a portal's date string (day before month), Vietnam time unless an offset is shown."""
    text = clean_text(raw)
    if not text:
        return None
    parsed = _parse_numeric(text)
    if parsed is not None:
        return ParsedDate(parsed.isoformat(), exact=True)
    if impossible_date(text):  # no month-first second guess (01/13/2024 is no 13 January)
        return None
    fallback = _parse_with_dateparser(text)
    return ParsedDate(fallback.isoformat(), exact=False) if fallback else None


def _parse_numeric(text: str) -> datetime | None:
    """Fast path: the first dd/mm/yyyy and the first HH:MM[:SS] anywhere in the string."""
    found = _numeric_parts(text)
    if not found:
        return None
    date, time = found
    day, month, year = (int(g) for g in date.groups())
    hour, minute, second = (int(g or 0) for g in time.groups()) if time else (0, 0, 0)
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=_offset(text))
    except ValueError:
        return None
    return value.astimezone(VIETNAM_TZ)


def _numeric_parts(text: str) -> tuple[re.Match, re.Match | None] | None:
    """The first dd/mm/yyyy of a string and the first HH:MM[:SS] outside it."""
    date = _DATE_RE.search(text)
    if not date:
        return None
    time = _TIME_RE.search(text[: date.start()] + " " * len(date.group()) + text[date.end() :])
    return date, time


def day_only(raw: str | None) -> bool:
    """Whether a date string shows a day (dd/mm/yyyy) and no time of day."""
    found = _numeric_parts(clean_text(raw))
    return found is not None and found[1] is None


def impossible_date(raw: str | None) -> str | None:
    """The date a string shows when no calendar has it (`31/02/2023`, `15/09/2023 25:00`)."""
    found = _numeric_parts(clean_text(raw))
    if not found:
        return None
    date, time = found
    day, month, year = (int(g) for g in date.groups())
    try:
        datetime(year, month, day)
    except ValueError:
        return date.group()
    hour, minute, second = (int(g or 0) for g in time.groups()) if time else (0, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        return f"{date.group()} {time.group()}"
    return None


def is_future(iso: str, fetched_at: str | None) -> bool:
    """Whether a posting time lies after the fetch time (UTC unless stated) by more than clock
    skew."""
    fetched = datetime.fromisoformat(fetched_at) if fetched_at else datetime.now(VIETNAM_TZ)
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return datetime.fromisoformat(iso) > fetched + CLOCK_SKEW


def trusted_posting(raw: str | None, fetched_at: str | None) -> tuple[str | None, str | None]:
    """The posting time to store (ISO 8601), or None with why: future, impossible or not
    understood (None, None when the page shows no date)."""
    if not clean_text(raw):
        return None, None
    parsed = parse_posted(raw)
    if parsed is None:
        return None, "impossible" if impossible_date(raw) else "not understood"
    if is_future(parsed.iso, fetched_at):
        return None, "future"
    return parsed.iso, None


def _offset(text: str) -> timezone:
    """The explicit `(GMT+7)` style offset of a date string, else Vietnam time."""
    match = _OFFSET_RE.search(text)
    if not match:
        return VIETNAM_TZ
    sign = 1 if match.group(1) == "+" else -1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * delta)


def _parse_with_dateparser(text: str) -> datetime | None:
    """Slow fallback for worded dates (`15 tháng 9 năm 2023`)."""
    import dateparser  # imported lazily: it is slow to load and rarely needed

    value = dateparser.parse(
        text,
        languages=["vi"],
        settings={
            "DATE_ORDER": "DMY",
            "TIMEZONE": "Asia/Ho_Chi_Minh",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    return value.astimezone(VIETNAM_TZ) if value else None


MAX_VIEW_DIGITS = 12  # a counter longer than this is junk, not a number of readers


def parse_views(raw: str | None) -> int | None:
    """Read a view counter: `Lượt xem: 1.234` -> 1234; a bare number also works; a counter of
    more than 12 digits is no counter (None)."""
    text = clean_text(raw)
    if not text:
        return None
    match = _VIEWS_RE.search(text)
    digits = match.group(1) if match else (text if re.fullmatch(r"[\d.,\s]+", text) else "")
    digits = re.sub(r"\D", "", digits)
    return int(digits) if digits and len(digits) <= MAX_VIEW_DIGITS else None


def find_views_text(text: str | None) -> str | None:
    """The `Lượt xem: N` fragment of a longer text, if any."""
    match = _VIEWS_RE.search(clean_text(text))
    return match.group(0).strip() if match else None


def local_date(iso: str | None) -> str | None:
    """The Vietnam-time calendar date (YYYY-MM-DD) of an ISO timestamp."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(VIETNAM_TZ).date().isoformat()


def content_hash(title: str, body: str) -> str:
    """SHA-256 of the normalised title and body: equal for the same story on two portals."""
    return hashlib.sha256(f"{clean_text(title)}\n\n{body}".encode()).hexdigest()
