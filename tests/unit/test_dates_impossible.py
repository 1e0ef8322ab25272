"""Dates that can't be: an impossible date is reported as such, a posting date after the fetch
is kept raw, flagged and left out of the date facets; archives of an older schema are migrated.
"""

from __future__ import annotations

import html
import sqlite3

import pytest

from tests.unit.test_encodings import KEY, PARAGRAPHS, TITLE, URL, WARD, article_html, stored
from wardcrawler.extract.article import ArticleFields
from wardcrawler.items import ArticlePage, PageFailure
from wardcrawler.normalize import impossible_date, parse_posted, trusted_posting
from wardcrawler.reading import Fetched, article_items
from wardcrawler.store.archive import Archive
from wardcrawler.store.schema import SCHEMA_VERSION

FETCHED_AT = "2026-01-05T03:00:00+00:00"  # 10:00 in Vietnam


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("31/02/2023", "31/02/2023"),
        ("Ngày đăng 30/02/2023 | 10:00  | Lượt xem: 29", "30/02/2023"),
        ("32/01/2023 08:00", "32/01/2023"),
        ("15/13/2023", "15/13/2023"),
        ("29/02/2023", "29/02/2023"),  # 2023 is no leap year
        ("Ngày đăng 15/09/2023 | 25:00", "15/09/2023 25:00"),
        ("25:00 02/07/2025", "02/07/2025 25:00"),  # hanoi-portal: time first
        ("12:61 02/07/2025", "02/07/2025 12:61"),
        ("07:30 01/13/2024", "01/13/2024"),  # no month-first second guess either
    ],
)
def test_impossible_dates_are_told_apart(raw, shown):
    assert impossible_date(raw) == shown
    assert parse_posted(raw) is None  # still no date: nothing is guessed


@pytest.mark.parametrize(
    "raw", ["29/02/2024", "Ngày đăng 15/09/2023 | 18:02", "23:04 02/07/2025", "Lượt xem: 29", ""]
)
def test_possible_dates_and_no_dates_are_not_impossible(raw):
    assert impossible_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18:02 15/09/2023", ("2023-09-15T18:02:00+07:00", None)),
        ("09:00 06/01/2026", ("2026-01-06T09:00:00+07:00", None)),  # 23 h ahead: clock skew
        ("11:00 06/01/2026", (None, "future")),  # 25 h after the fetch
        ("08:00 15/09/2031", (None, "future")),
        ("10:00 31/02/2023", (None, "impossible")),
        ("không rõ ngày 12", (None, "not understood")),
        ("", (None, None)),
    ],
)
def test_trusted_posting(raw, expected):
    assert trusted_posting(raw, FETCHED_AT) == expected


def page_with_date(posted: str) -> Fetched:
    body = article_html(posted=posted).encode()
    return Fetched(URL, 200, body, "text/html; charset=utf-8", FETCHED_AT)


@pytest.mark.parametrize(
    ("posted", "reason"),
    [
        ("10:00 31/02/2023", "impossible date 31/02/2023"),
        ("Ngày đăng 30/02/2023 | 10:00", "impossible date 30/02/2023"),
        ("08:00 32/01/2024", "impossible date 32/01/2024"),
        ("07:30 01/13/2024", "impossible date 01/13/2024"),
        ("25:00 02/07/2025", "impossible date 02/07/2025 25:00"),
        ("chưa cập nhật", "no posted date found"),
    ],
)
def test_page_with_an_impossible_date_fails_saying_so(tmp_path, posted, reason):
    (item,) = article_items(page_with_date(posted), WARD, KEY)
    assert isinstance(item, PageFailure)
    assert (item.status, item.reason) == (200, reason)
    assert html.escape(TITLE) in item.html  # the page is kept with the failure
    row, errors = stored(tmp_path, item)
    assert [(e["url"], e["reason"]) for e in errors] == [(URL, reason)]


def test_article_posted_after_the_fetch_is_stored_flagged_and_out_of_facets(tmp_path):
    (item,) = article_items(page_with_date("08:00 15/09/2031"), WARD, KEY)
    assert isinstance(item, ArticlePage)
    row, errors = stored(tmp_path, item)
    assert (row["title"], row["views"]) == (TITLE, 1234)
    assert row["posted_raw"] == "08:00 15/09/2031" and row["posted_flag"] == "future"
    assert [row[c] for c in ("posted_at", "posted_date", "posted_month", "posted_year")] == [
        None, None, None, None,
    ]  # fmt: skip
    (error,) = errors
    assert error["status"] == 200
    assert "future" in error["reason"] and "15/09/2031" in error["reason"]
    assert row["parse_failures"] == 0  # the page was read as it is


def test_article_with_an_impossible_date_stored_by_a_lenient_extractor_is_flagged(tmp_path):
    fields = ArticleFields(TITLE, "31/02/2023 | 10:00", "Lượt xem: 29", list(PARAGRAPHS), None)
    row, errors = stored(tmp_path, ArticlePage("w1", KEY, URL, fields, FETCHED_AT))
    assert row["posted_raw"] == "31/02/2023 | 10:00" and row["posted_at"] is None
    assert row["posted_flag"] == "impossible" and row["posted_year"] is None
    assert [e["reason"] for e in errors] == ["impossible date 31/02/2023"]
    assert row["parse_failures"] == 1


def test_a_corrected_date_clears_the_flag(tmp_path):
    later = ArticleFields(TITLE, "08:00 15/09/2023", None, list(PARAGRAPHS), None)
    future = ArticleFields(TITLE, "08:00 15/09/2031", None, list(PARAGRAPHS), None)
    row, _ = stored(tmp_path, ArticlePage("w1", KEY, URL, future, FETCHED_AT),
                    ArticlePage("w1", KEY, URL, later, "2026-01-06T03:00:00+00:00"))  # fmt: skip
    assert (row["posted_flag"], row["posted_date"]) == (None, "2023-09-15")


def test_older_archive_gets_future_dates_flagged_and_u_fffd_marked(tmp_path):
    path = tmp_path / "old.db"
    archive = Archive(path)
    archive.save_ward(WARD.row())
    archive.close()
    seen = "2026-01-05T03:00:00+00:00"
    db = sqlite3.connect(path)
    columns = "(ward, article_key, url, title, body, posted_at, posted_raw, posted_date," \
              " posted_month, posted_year, last_seen_at, first_seen_at)"  # fmt: skip
    past = ("2023-09-15T18:02:00+07:00", "18:02 15/09/2023", "2023-09-15")
    rows = [
        ("k1", "Tin thật", "Đoạn.", *past),
        ("k2", "Tin lạ", "Đoạn.", "2031-09-15T08:00:00+07:00", "08:00 15/09/2031", "2031-09-15"),
        ("k3", "Tin \ufffd", "Đoạn.", *past),
    ]
    for key, title, body, posted_at, raw, day in rows:
        db.execute(
            f"insert into articles {columns} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["w1", key, f"{URL}?{key}", title, body, posted_at, raw, day, day[:7], int(day[:4]),
             seen, seen],
        )  # fmt: skip
    db.execute("pragma user_version = 7")
    db.commit()
    db.close()
    again = Archive(path)
    got = {r["article_key"]: r for r in again.db.query("select * from articles")}
    assert again.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert (got["k1"]["posted_year"], got["k1"]["posted_flag"], got["k1"]["text_flag"]) == (
        2023, None, None,
    )  # fmt: skip
    k2 = got["k2"]
    assert (k2["posted_at"], k2["posted_date"], k2["posted_month"], k2["posted_year"]) == (
        None, None, None, None,
    )  # fmt: skip
    assert (k2["posted_raw"], k2["posted_flag"]) == ("08:00 15/09/2031", "future")
    assert got["k3"]["text_flag"] == "replacement characters (U+FFFD)"
    assert got["k3"]["title"] == "Tin \ufffd"  # flagged, never rewritten
    again.close()


def test_a_date_within_clock_skew_is_trusted(tmp_path):
    (item,) = article_items(page_with_date("06:00 06/01/2026"), WARD, KEY)  # 20 h after the fetch
    row, errors = stored(tmp_path, item)
    assert (row["posted_at"], row["posted_flag"], errors) == ("2026-01-06T06:00:00+07:00", None, [])
