"""Encodings: pages decoded as a browser would, windows-1258 detected when the declaration fails,
legacy-font (TCVN3, VNI) text converted, U+FFFD and control characters never stored silently.

The ground truth is the seed article (real portal text, shipped verbatim with the replica); the
hostile bytes are made from it here (windows-1258 as legacy software wrote it: tone marks
combining).
"""

from __future__ import annotations

import html
import unicodedata
from pathlib import Path

import pytest

from wardcrawler.items import ArticlePage, PageFailure
from wardcrawler.normalize import clean_text, legacy_font_texts, plausible_vietnamese
from wardcrawler.portals.registry import Ward
from wardcrawler.reading import Fetched, article_items, decode_html
from wardcrawler.replica.seed import SEED_CATEGORY, SEED_PARAGRAPHS, SEED_TITLE
from wardcrawler.store.archive import Archive
from wardcrawler.store.ledger import RunLedger
from wardcrawler.store.recorder import Recorder, read_article

SEED = "\n".join([SEED_CATEGORY, SEED_TITLE, *SEED_PARAGRAPHS])
# As stored: the published text with its runs of spaces collapsed (README, "Schema").
CATEGORY, TITLE, *PARAGRAPHS = (" ".join(line.split()) for line in SEED.splitlines())
VIEWS = 1234
URL = "http://w1.example/tin-tuc/chi-bo-to-dan-pho-so-2-2702230915180200001.htm"
KEY = "2702230915180200001"
WARD = Ward(slug="w1", name="Phường Một", province="Hà Nội", url="http://w1.example/",
            family_key="hanoi-portal")  # fmt: skip
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese legacy software wrote it: base letters, then tone marks."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    assert unicodedata.normalize("NFC", out.decode("cp1258")) == unicodedata.normalize("NFC", text)
    return bytes(out)


def article_html(title: str = TITLE, paragraphs: list[str] | None = None, meta: str = "",
                 posted: str = "18:02 15/09/2023", views: int | None = VIEWS) -> str:  # fmt: skip
    """A hanoi-portal article page (FAMILIES.md §2 reference markup)."""
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in (paragraphs or PARAGRAPHS))
    counter = f'<div class="detail-views">Lượt xem: {views:,}</div>'.replace(",", ".")
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head>{meta}<title>{html.escape(title)}</title></head>'
        '<body><header><nav><ul><li><a href="/tin-tuc">Tin tức</a></li></ul></nav></header>\n'
        f'<div class="detail-container"><div class="detail-cate"><a href="/tin-tuc">{CATEGORY}'
        f'</a></div>\n<h1 class="detail-title" data-role="title">{html.escape(title)}</h1>\n'
        f'<div class="detail-time"><div data-role="publishdate">{posted}</div></div>\n'
        f"{counter if views is not None else ''}\n"
        f'<div class="detail-content" data-role="content">\n{paras}\n</div>\n'
        '<div class="detail-related"><h3>Tin liên quan</h3><ul><li><a href="/tin-tuc/'
        'khac-2702230915180200002.htm">Tin khác</a></li></ul></div></div>\n'
        "<footer>Cổng thông tin điện tử phường</footer></body></html>\n"
    )


def fetched(body: bytes, content_type: str) -> Fetched:
    return Fetched(URL, 200, body, content_type, "2026-01-05T03:00:00+00:00")


def stored(tmp_path: Path, *items) -> tuple[dict, list[dict]]:
    """The article row and the fetch_errors rows after recording the items."""
    archive = Archive(tmp_path / "a.db")
    archive.save_ward(WARD.row())
    ledger = RunLedger(archive.db)
    recorder = Recorder(archive, ledger, ledger.start(["w1"], "incremental"))
    for item in items:
        recorder.record(item)
    rows = list(archive.db.query("select * from articles"))
    errors = list(archive.db.query("select * from fetch_errors"))
    parse_failures = recorder.figures("w1")["parse_failures"]
    archive.close()
    return (rows[0] if rows else {}) | {"parse_failures": parse_failures}, errors


PAGE = article_html()
TRUE_BODY = "\n\n".join(PARAGRAPHS)


META_PAGE = article_html(meta='<meta charset="windows-1258">')


@pytest.mark.parametrize(
    ("page", "body", "content_type", "encoding", "detected"),
    [
        (PAGE, to_cp1258(PAGE), "text/html; charset=utf-8", "cp1258", True),
        (PAGE, to_cp1258(PAGE), "text/html", "cp1258", True),
        (PAGE, to_cp1258(PAGE), "text/html; charset=windows-1258", "cp1258", False),
        (META_PAGE, to_cp1258(META_PAGE), "text/html", "cp1258", False),
        (PAGE, b"\xef\xbb\xbf" + PAGE.encode(), "text/html; charset=iso-8859-1", "utf-8", False),
        (PAGE, PAGE.encode(), "text/html; charset=iso-8859-1", "utf-8", True),
        (PAGE, PAGE.encode(), "text/html", "utf-8", False),
    ],
    ids=["cp1258-declared-utf8", "cp1258-undeclared", "cp1258-declared", "cp1258-meta",
         "utf8-bom-declared-latin1", "utf8-declared-latin1", "utf8"],
)  # fmt: skip
def test_page_text_equals_the_truth_however_declared(page, body, content_type, encoding,
                                                     detected):  # fmt: skip
    decoded = decode_html(content_type, body)
    assert (decoded.encoding, decoded.detected) == (encoding, detected)
    assert decoded.text == page  # NFC, as the page was written


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "text/html", "text/html; charset=windows-1258"]
)
def test_windows_1258_article_stored_with_title_body_and_views(tmp_path, content_type):
    (item,) = article_items(fetched(to_cp1258(PAGE), content_type), WARD, KEY)
    assert isinstance(item, ArticlePage)
    row, errors = stored(tmp_path, item)
    assert (row["title"], row["body"], row["views"]) == (TITLE, TRUE_BODY, VIEWS)
    assert row["posted_at"] == "2023-09-15T18:02:00+07:00"
    detected = content_type != "text/html; charset=windows-1258"
    assert row["text_flag"] == ("encoding detected: windows-1258" if detected else None)
    assert errors == []


def test_stray_bytes_in_utf8_keep_the_page_utf8_and_are_recorded(tmp_path):
    body = PAGE.encode().replace("Tại buổi".encode(), b"T\xe1i bu\xff\xfei")
    decoded = decode_html("text/html; charset=utf-8", body)
    assert decoded.encoding == "utf-8" and not decoded.detected
    assert TITLE in decoded.text  # the rest of the page is not turned into mojibake
    (item,) = article_items(fetched(body, "text/html; charset=utf-8"), WARD, KEY)
    row, errors = stored(tmp_path, item)
    assert row["title"] == TITLE and row["views"] == VIEWS
    assert "T\ufffdi bu\ufffd\ufffdi" in row["body"]
    assert row["text_flag"] == "replacement characters (U+FFFD)"
    (error,) = errors
    assert error["url"] == URL and error["status"] == 200
    assert "U+FFFD" in error["reason"] and "body" in error["reason"]
    assert row["parse_failures"] == 0  # the article was read: no parse failure


def test_u_fffd_published_as_such_is_kept_and_recorded(tmp_path):
    title = "Thông báo về việc \ufffd\ufffdiều chỉnh lịch thu gom rác"
    page = article_html(title=title).encode()
    assert decode_html("text/html; charset=utf-8", page).detected is False
    (item,) = article_items(fetched(page, "text/html; charset=utf-8"), WARD, KEY)
    row, errors = stored(tmp_path, item)
    assert row["title"] == title
    assert row["text_flag"] == "replacement characters (U+FFFD)"
    assert [e["reason"] for e in errors] == [
        "U+FFFD replacement characters in the title: text lost before or in decoding (see the WARC)"
    ]


def test_failed_page_keeps_its_html_decoded():
    heading = f'<h1 class="detail-title" data-role="title">{html.escape(TITLE)}</h1>'
    page = to_cp1258(article_html().replace(heading, ""))
    (item,) = article_items(fetched(page, "text/html"), WARD, KEY)
    assert isinstance(item, PageFailure) and item.reason == "no title found"
    assert TITLE in unicodedata.normalize("NFC", item.html)


@pytest.mark.parametrize(
    ("title", "stored_title"),
    [
        ("Thông báo\x00 lịch tiếp\x08 công dân\x1b tháng\x7f 10",
         "Thông báo lịch tiếp công dân tháng 10"),
        ("Thông\x01 báo \x1flịch\x0b\x0ctiếp\x85công dân\x9f", "Thông báo lịch tiếp công dân"),
        ("Kế hoạch\u00a0 số 82\t-KH/ĐU", "Kế hoạch số 82 -KH/ĐU"),
    ],
)  # fmt: skip
def test_control_characters_never_stored(tmp_path, title, stored_title):
    paragraphs = [f"Đoạn\x02 một {title}", "\x1b\x08", *PARAGRAPHS[1:]]
    page = article_html(title=title, paragraphs=paragraphs).encode()
    (item,) = article_items(fetched(page, "text/html; charset=utf-8"), WARD, KEY)
    row, _ = stored(tmp_path, item)
    assert row["title"] == stored_title
    assert row["body"] == "\n\n".join([f"Đoạn một {stored_title}", *PARAGRAPHS[1:]])
    assert row["posted_raw"] == "18:02 15/09/2023"
    for text in (row["title"], row["body"], row["posted_raw"], row["category_names"]):
        assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) < 0xA0 for c in text)


def test_clean_text_drops_controls_and_collapses_whitespace_controls():
    assert clean_text("A\x00B\x08C\x1bD\x7fE\x80F\x9fG") == "ABCDEFG"
    assert clean_text("a\tb\nc\rd\x0be\x0cf\x1cg\x1fh\x85i") == "a b c d e f g h i"
    nfd = unicodedata.normalize("NFD", "Đảng\x1b bộ")
    assert clean_text(nfd) == "Đảng bộ" and unicodedata.is_normalized("NFC", clean_text(nfd))


# Fixed phrases of every Vietnamese government document, as they survive in legacy-font text.
LEGACY = [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam", "TCVN3"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc", "TCVN3"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam", "VNI"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc", "VNI"),
]


@pytest.mark.parametrize(("legacy", "unicode", "font"), LEGACY)
def test_legacy_font_text_is_converted_and_flagged(tmp_path, legacy, unicode, font):
    page = article_html(paragraphs=[legacy, *PARAGRAPHS]).encode()
    (item,) = article_items(fetched(page, "text/html; charset=utf-8"), WARD, KEY)
    row, errors = stored(tmp_path, item)
    assert row["body"] == "\n\n".join([unicode, *PARAGRAPHS])
    assert row["title"] == TITLE  # Unicode text around it is left as it is
    assert row["text_flag"] == f"legacy font text converted ({font})"
    assert errors == []


def test_legacy_font_title_converted_with_the_evidence_of_the_body():
    texts, flag = legacy_font_texts(["TrÇn V¨n An", LEGACY[0][0], LEGACY[1][0]])
    assert texts == ["Trần Văn An", LEGACY[0][1], LEGACY[1][1]]
    assert flag == ["legacy font text converted (TCVN3)"]


@pytest.mark.parametrize(
    "texts",
    [
        [TITLE, *PARAGRAPHS],
        ["Giá cà phê", "Hòa Bình", "Café", "Noël, ça va très bien"],
        ["El niño comió piñata en la mañana"],  # a legacy-font look-alike that is not one
    ],
)
def test_text_that_is_no_legacy_font_is_never_converted(texts):
    assert legacy_font_texts(texts)[0] == texts


def test_a_foreign_paragraph_beside_legacy_text_is_kept_and_flagged(tmp_path):
    spanish = "El niño comió piñata en la mañana"
    page = article_html(paragraphs=[LEGACY[0][0], spanish, *PARAGRAPHS]).encode()
    (item,) = article_items(fetched(page, "text/html"), WARD, KEY)
    row, errors = stored(tmp_path, item)
    assert row["body"].split("\n\n")[:2] == [LEGACY[0][1], spanish]
    flag = "legacy font text converted (TCVN3); legacy font text suspected (VNI)"
    assert row["text_flag"] == flag
    (error,) = errors
    assert error["reason"] == (
        "legacy font text suspected (VNI): kept as shown, its conversion does not read as"
        " Vietnamese"
    )


def test_plausible_vietnamese_tells_text_from_mojibake():
    seed = SEED
    assert plausible_vietnamese(seed)
    assert not plausible_vietnamese(seed.encode().decode("cp1258", "replace"))  # UTF-8 misread
    assert not plausible_vietnamese(to_cp1258(seed).decode("cp1252"))  # the wrong code page
    assert not plausible_vietnamese(LEGACY[0][0]) and not plausible_vietnamese("plain ASCII")


def test_read_article_does_not_change_clean_text():
    (item,) = article_items(fetched(PAGE.encode(), "text/html; charset=utf-8"), WARD, KEY)
    record, notes = read_article(item)
    assert (record.title, record.body, record.views) == (TITLE, TRUE_BODY, VIEWS)
    assert notes.columns() == {"posted_flag": None, "text_flag": None} and notes.problems == []
