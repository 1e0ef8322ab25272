"""Normalisers: dates (day before month, Vietnam time), view counts, text, folding."""

import unicodedata

import pytest

from wardcrawler.normalize import (
    clean_text,
    content_hash,
    fold,
    local_date,
    parse_posted,
    parse_views,
)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("Ngày đăng 15/09/2023 | 18:02\xa0 | Lượt xem: 29", "2023-09-15T18:02:00+07:00"),
        ("Ngày đăng 03/04/2023 | 09:05  | Lượt xem: 1.234", "2023-04-03T09:05:00+07:00"),
        ("Ngày đăng 10/05/2018 | 11:21 | Lượt xem: 498", "2018-05-10T11:21:00+07:00"),
        ("Thứ Hai, ngày 18/09/2023 07:45", "2023-09-18T07:45:00+07:00"),
        ("Thứ Bẩy, ngày 16/09/2023 18:02", "2023-09-16T18:02:00+07:00"),
        ("23:04 02/07/2025", "2025-07-02T23:04:00+07:00"),
        ("Đăng ngày 17 - 05 - 2024", "2024-05-17T00:00:00+07:00"),
        (
            "Người đăng tin: Admin Ngày đăng tin: 29/08/2023 Lượt xem: 26",
            "2023-08-29T00:00:00+07:00",
        ),
        ("Thứ sáu, 03/12/2021 14:15 (GMT+7)", "2021-12-03T14:15:00+07:00"),
        ("Cập nhật lúc 06:30 ngày 5/9/2023", "2023-09-05T06:30:00+07:00"),
        ("Cập nhật: 01/02/2024 08:00 (GMT+0)", "2024-02-01T15:00:00+07:00"),
    ],
)
def test_known_date_forms_parse_day_first_in_vietnam_time(raw, iso):
    parsed = parse_posted(raw)
    assert parsed is not None and parsed.exact
    assert parsed.iso == iso


def test_worded_dates_fall_back_to_dateparser():
    parsed = parse_posted("15 tháng 9 năm 2023")
    assert parsed is not None and not parsed.exact
    assert parsed.iso.startswith("2023-09-15T")
    assert parsed.iso.endswith("+07:00")


@pytest.mark.parametrize("raw", ["", "Lượt xem: 29", "31/02/2023 10:00", "không rõ"])
def test_no_date_or_impossible_date_gives_none(raw):
    assert parse_posted(raw) is None


def test_local_date_keeps_vietnam_calendar_day():
    assert local_date("2023-09-15T06:30:00+07:00") == "2023-09-15"
    assert local_date("2023-09-14T23:30:00+00:00") == "2023-09-15"


@pytest.mark.parametrize(
    ("raw", "views"),
    [
        ("Ngày đăng 15/09/2023 | 18:02  | Lượt xem: 29", 29),
        ("Lượt xem: 1.234", 1234),
        ("Số lượt xem: 12.345.678", 12345678),
        ("lượt xem 1,234", 1234),
        ("498", 498),
        ("Ngày đăng 15/09/2023", None),
        (None, None),
    ],
)
def test_views(raw, views):
    assert parse_views(raw) == views


def test_clean_text_nfc_and_whitespace_but_not_spelling():
    nfd = unicodedata.normalize("NFD", "Thành uỷ  Hà\xa0Nội\n tổ đân phố HOÀ")
    cleaned = clean_text(nfd)
    assert cleaned == "Thành uỷ Hà Nội tổ đân phố HOÀ"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_text("ủy") != clean_text("uỷ")  # tone placement is kept as published


def test_fold_for_search():
    assert fold("Đảng bộ PHƯỜNG Phúc Lợi") == "dang bo phuong phuc loi"
    assert fold("Thành uỷ") == fold("thành ủy") == "thanh uy"


def test_content_hash_ignores_title_whitespace_only():
    assert content_hash("A  b", "x") == content_hash("A b", "x")
    assert content_hash("A b", "x") != content_hash("A b", "y")
