"""Search means what was typed: marked words exactly, unmarked words every spelling (issue 11).

The corpus is written so that the folded and the exact answers differ; each expected set is
read off the texts by hand (written down below), not computed with the code under test. Queries
go through a real archive (SQLite FTS5) with the archive's own query function.
"""

from __future__ import annotations

import unicodedata

import pytest

from wardcrawler.normalize import content_hash
from wardcrawler.site.search import fts_query, vi_snippet
from wardcrawler.store.archive import Archive, ArticleRecord

WARD = {"slug": "w1", "name": "Phường Một", "province": "Hà Nội", "district": None,
        "url": "http://w1.example/", "family": "hanoi-portal"}  # fmt: skip

# key: (title, body). Old and new tone placements and an NFD text are among them on purpose.
TEXTS = {
    "dang-party": ("Đảng bộ phường họp", "Nghị quyết của Đảng ủy."),
    "dang-now": ("Tổ dân phố đang triển khai", "Công việc đang làm."),
    "dang-post": ("Thông báo đăng ký", "Hồ sơ đăng ký tại bộ phận một cửa."),
    "dang-form": ("Các dạng hồ sơ", "Biểu mẫu nhiều dạng khác nhau."),
    "dang-plain": ("Tin dang do", "Bai viet go khong dau: dang bo phuong."),
    "uy-old": ("Thành uỷ chỉ đạo", "Ban Thường vụ Thành uỷ."),
    "uy-new": ("Thành ủy chỉ đạo", "Ban Thường vụ Thành ủy."),
    "uy-other": ("Ủy ban nhân dân", "Quyết định của Uỷ ban về thủy lợi."),
    "hoa-nfd": (unicodedata.normalize("NFD", "Hoà giải ở cơ sở"), "Tổ hoà giải."),
    "hoa-new": ("Hòa giải thành", "Hòa bình."),
    "hoa-flower": ("Hoa nở", "Vườn hoa và hóa đơn."),
    "cong-dong": ("Cộng đồng dân cư", "Cộng đồng dân cư tổ 5 họp."),
    "cong-dong-scrambled": ("Dân cư cộng đồng", "Công đồng và dân cứ."),
    "bo-family": ("Bố mẹ và con", "Bò và bơ, bỏ phiếu."),
}

EXPECTED = {
    # a word typed with marks: only that word (any case, normal form, tone placement)
    "Đảng": {"dang-party"},
    "đảng": {"dang-party"},
    "ĐẢNG": {"dang-party"},
    "đang": {"dang-now"},
    "đăng": {"dang-post"},
    "dạng": {"dang-form"},
    "Thành uỷ": {"uy-old", "uy-new"},
    "thành ủy": {"uy-old", "uy-new"},
    "ủy": {"uy-old", "uy-new", "uy-other", "dang-party"},  # "Đảng ủy" in dang-party
    "hoà": {"hoa-nfd", "hoa-new"},
    "hòa": {"hoa-nfd", "hoa-new"},
    "hoa": {"hoa-nfd", "hoa-new", "hoa-flower"},
    "hóa": {"hoa-flower"},
    "cộng đồng dân cư": {"cong-dong", "cong-dong-scrambled"},
    '"cộng đồng dân cư"': {"cong-dong"},
    '"cong dong dan cu"': {"cong-dong"},  # in that order: not in the scrambled one
    "cong dong dan cu": {"cong-dong", "cong-dong-scrambled"},
    # a word typed without any mark: every spelling
    "dang": {"dang-party", "dang-now", "dang-post", "dang-form", "dang-plain"},
    "thanh uy": {"uy-old", "uy-new"},
    # mixed: marked words exactly, the others any spelling
    "Đảng bo": {"dang-party"},  # dang-plain has "dang bo", not "Đảng"
    '"Đảng bo"': {"dang-party"},
    '"dang bộ"': {"dang-party"},
    '"dang bo"': {"dang-party", "dang-plain"},
    "bỏ": {"bo-family"},
    "bộ": {"dang-party", "dang-post"},
    "bơ": {"bo-family"},
    "bo": {"dang-party", "dang-post", "dang-plain", "bo-family"},
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("search") / "a.db")
    archive.save_ward(WARD)
    for key, (title, body) in TEXTS.items():
        archive.save_article(ArticleRecord(
            ward="w1", article_key=key, url=f"http://w1.example/{key}.htm", title=title,
            posted_at=None, posted_raw=None, views=None, body=body,
            content_hash=content_hash(title, body), attachments=[],
        ))  # fmt: skip
    return archive


def search(archive: Archive, query: str) -> set[str]:
    sql = ("select a.article_key from articles_fts join articles a on a.id = articles_fts.rowid"
           " where articles_fts match ?")  # fmt: skip
    return {key for (key,) in archive.db.execute(sql, [fts_query(query)])}


@pytest.mark.parametrize(("query", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_a_query_finds_exactly_the_articles_holding_its_words(archive, query, expected):
    assert search(archive, query) == expected


@pytest.mark.parametrize(
    "spellings",
    [["Thành uỷ", "thành ủy", "THÀNH UỶ", unicodedata.normalize("NFD", "Thành uỷ")],
     ["hoà", "hòa", unicodedata.normalize("NFD", "hoà"), "HOÀ"],
     ["thủy", "thuỷ", "THUỶ"]],
)  # fmt: skip
def test_tone_placement_case_and_nfd_give_identical_sets(archive, spellings):
    results = [search(archive, spelling) for spelling in spellings]
    assert results[0] and all(r == results[0] for r in results)


@pytest.mark.parametrize(("marked", "plain"), [("Đảng", "dang"), ("hòa", "hoa"), ("bộ", "bo")])
def test_the_exact_answer_is_a_strict_subset_of_the_folded_one(archive, marked, plain):
    assert search(archive, marked) < search(archive, plain)


@pytest.mark.parametrize("query", ["", "   ", '"', "!!!", "\x00"])
def test_no_word_matches_nothing_and_is_no_error(archive, query):
    assert search(archive, query) == set()


def test_fts5_syntax_in_a_query_is_searched_as_words(archive):
    assert search(archive, "Đảng AND OR NOT (bo") == set()  # the words AND, OR, NOT are absent
    assert search(archive, "dang*") == EXPECTED["dang"]  # a star is no operator here


def test_snippets_mark_only_the_words_the_query_means():
    text = "Đảng bộ đang họp về dạng mới."
    assert vi_snippet(text, "Đảng") == "<mark>Đảng</mark> bộ đang họp về dạng mới."
    assert vi_snippet(text, "dang") == (
        "<mark>Đảng</mark> bộ <mark>đang</mark> họp về <mark>dạng</mark> mới.")  # fmt: skip
    assert vi_snippet("Thành uỷ họp.", "thành ủy") == "<mark>Thành</mark> <mark>uỷ</mark> họp."
    decomposed = unicodedata.normalize("NFD", "thuận lợi")
    marked = "thuận <mark>lợi</mark>"
    assert vi_snippet(decomposed, "loi") == vi_snippet(decomposed, "lợi") == marked


def test_stored_text_is_never_changed_by_the_index(archive):
    (title,) = archive.db.execute("select title from articles where article_key = 'uy-old'")
    assert title == (TEXTS["uy-old"][0],)  # the old tone placement, as published
