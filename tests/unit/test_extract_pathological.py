"""Pathological HTML: deep nesting, unclosed tags, huge flat markup, pages over the size limits.

Each page is the reviewed reference article (tests/fixtures/pages) with the pathology added
around or inside its body; what it must give is that page's expected result, plus the texts the
test itself put in. Work is checked to grow linearly by counting text cleanings and foldings
(deterministic), never by timing.
"""

from __future__ import annotations

import pytest
from parsel import Selector

import wardcrawler.extract.article as article_module
import wardcrawler.extract.text as text_module
from tests.golden import load, run
from wardcrawler.extract.article import ExtractionError, extract_article
from wardcrawler.extract.bounds import MAX_EXTRACT_BYTES
from wardcrawler.extract.listing import extract_listing, navigation_links
from wardcrawler.normalize import clean_text, fold
from wardcrawler.portals.families import FAMILIES

SPEC, PAGE = load("liferay-reference-article")
EXPECTED = SPEC["expected"]
FAMILY = FAMILIES[SPEC["family"]]
URL = SPEC["url"]
BODY_OPEN = '<div class="journal-content-article">'
BODY_CLOSE = '</div></div>\n   <div class="social-share">'
ARTICLE_OPEN = '<div class="asset-full-content default-asset-publisher show-asset-title">'
ARTICLE_END = '<div class="tinlienquan">'  # what follows the article's container
FIELDS = ("title", "posted_raw", "views", "body", "attachments")
BODY = EXPECTED["body"].split("\n\n")


def around_body(before: str, after: str = "") -> str:
    """The reference page with markup at the start and the end of the article's body."""
    assert PAGE.count(BODY_OPEN) == 1 and PAGE.count(BODY_CLOSE) == 1
    page = PAGE.replace(BODY_OPEN, BODY_OPEN + before)
    return page.replace(BODY_CLOSE, after + BODY_CLOSE)


def around_article(before: str, after: str) -> str:
    """The reference page with the whole article (title, meta line, body) inside markup."""
    assert PAGE.count(ARTICLE_OPEN) == 1 and PAGE.count(ARTICLE_END) == 1
    page = PAGE.replace(ARTICLE_OPEN, before + ARTICLE_OPEN)
    return page.replace(ARTICLE_END, after + ARTICLE_END)


def fields(html: str) -> dict:
    """The stored record of the page (title, date, views, body, attachments)."""
    record = run(SPEC, html)
    return {key: record[key] for key in FIELDS}


def expected(body: list[str] | None = None) -> dict:
    """The reference page's expected fields, with another body when given."""
    wanted = {key: EXPECTED[key] for key in FIELDS}
    if body is not None:
        wanted["body"] = "\n\n".join(body)
    return wanted


@pytest.mark.parametrize("depth", [5_000, 50_000])
def test_body_deep_inside_nested_divs_is_read_whole(depth):
    assert fields(around_body("<div>" * depth, "</div>" * depth)) == expected()


@pytest.mark.parametrize("depth", [5_000, 50_000])
def test_whole_article_deep_inside_nested_divs_is_read_whole(depth):
    assert fields(around_article("<div>" * depth, "</div>" * depth)) == expected()


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ('<div class="wrap">', "</div>"),
        ("<div><span>", "</span></div>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<ul><li>", "</li></ul>"),
        ("<span>", "</span>"),
    ],
)
def test_article_inside_thousands_of_wrappers_keeps_its_structure(opening, closing):
    html = around_article(opening * 3_000, closing * 3_000)
    assert fields(html) == expected()


def test_article_inside_thousands_of_distinct_wrappers_is_read_whole():
    opening = "".join(f'<div id="level-{n}">' for n in range(5_000))
    assert fields(around_article(opening, "</div>" * 5_000)) == expected()


def test_text_at_every_level_of_a_deep_nest_is_a_paragraph_each_in_order():
    levels = [f"Tầng {n} của trang" for n in range(5_000)]
    html = around_body("".join(f"<div>{text}" for text in levels), "</div>" * len(levels))
    assert fields(html) == expected(levels + BODY)


def test_unclosed_paragraphs_are_one_paragraph_each():
    texts = [f"Đoạn không đóng số {n}." for n in range(20_000)]
    html = around_body("".join(f"<p>{text}" for text in texts) + "</p>")
    assert fields(html) == expected(texts + BODY)


def test_unclosed_inline_tags_by_the_thousand_keep_their_text_as_one_paragraph():
    words = [f"chữ{n}" for n in range(3_000)]
    html = around_body("<p>" + "".join(f"<b>{word} " for word in words) + "</p>")
    assert fields(html) == expected([" ".join(words), *BODY])


def test_unclosed_divs_by_the_thousand_lose_nothing_of_the_article():
    html = around_body("<div>" * 20_000)  # never closed: the rest of the page falls inside
    result = fields(html)
    assert {k: v for k, v in result.items() if k != "body"} == {
        k: v for k, v in expected().items() if k != "body"
    }
    assert result["body"].split("\n\n")[: len(BODY)] == BODY


def test_huge_flat_page_of_small_paragraphs_is_read_whole():
    texts = [f"Đoạn văn ngắn thứ {n} của bài." for n in range(100_000)]
    html = around_body("".join(f"<p>{text}</p>\n" for text in texts))
    assert len(html.encode()) > 4_000_000
    assert fields(html) == expected(texts + BODY)


def test_page_over_the_byte_limit_is_refused_with_its_size():
    html = around_body("<p>" + "x" * 200_000 + "</p>")
    size = len(html.encode("utf-8"))
    with pytest.raises(ExtractionError) as refused:
        extract_article(Selector(text=html), FAMILY, URL, max_bytes=100_000)
    assert str(refused.value) == f"page too large to extract: {size} bytes, limit 100000"


def test_page_at_the_byte_limit_is_extracted():
    size = len(PAGE.encode("utf-8"))
    record = extract_article(Selector(text=PAGE), FAMILY, URL, max_bytes=size)
    assert record.title == EXPECTED["title"]


def test_page_over_the_default_byte_limit_is_refused():
    html = around_body("<p>" + "x" * MAX_EXTRACT_BYTES + "</p>")
    with pytest.raises(ExtractionError, match=r"^page too large to extract: \d+ bytes, limit "):
        extract_article(Selector(text=html), FAMILY, URL)


def test_page_over_the_element_limit_is_refused_with_its_count():
    html = around_body("<br>" * 5_000)
    elements = len(Selector(text=html).xpath("//*"))
    with pytest.raises(ExtractionError) as refused:
        extract_article(Selector(text=html), FAMILY, URL, max_elements=1_000)
    assert str(refused.value) == f"page too large to extract: {elements} elements, limit 1000"


def test_listing_and_home_pages_over_the_limit_are_refused_too():
    page = Selector(text=around_body("<p>" + "x" * 2_000 + "</p>"))
    with pytest.raises(ExtractionError, match="page too large to extract"):
        extract_listing(page, FAMILY, URL, URL, max_bytes=1_000)
    with pytest.raises(ExtractionError, match="page too large to extract"):
        navigation_links(page, FAMILY, URL, max_bytes=1_000)


def listing_page(count: int, depth: int = 0) -> str:
    """A listing page of `count` article links, inside `depth` nested divs."""
    items = "".join(
        f'<div class="asset-abstract"><h3 class="asset-title"><a href="/tin?p_p_id=101'
        f'&amp;_101_urlTitle=bai-{n}">Bài {n}</a></h3></div>'
        for n in range(count)
    )
    return (
        '<html><body><section id="portlet_101"><span class="portlet-title-text">Tin mới</span>'
        f"{'<div>' * depth}{items}{'</div>' * depth}</section></body></html>"
    )


@pytest.mark.parametrize(("count", "depth"), [(20_000, 0), (2_000, 5_000)])
def test_listing_with_many_links_or_deep_nesting_lists_every_article(count, depth):
    base = "http://phucloi.longbien.hanoi.gov.vn/tin"
    listing = extract_listing(Selector(text=listing_page(count, depth)), FAMILY, base, base)
    assert listing.name == "Tin mới"
    assert list(listing.articles.values()) == [f"bai-{n}" for n in range(count)]


class Counting:
    """Counts the calls of clean_text and fold made by extraction."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        for module in (text_module, article_module):
            monkeypatch.setattr(module, "clean_text", self.counted(clean_text), raising=False)
        monkeypatch.setattr(text_module, "fold", self.counted(fold))

    def counted(self, function):
        def call(*args):
            self.calls += 1
            return function(*args)

        return call

    def extract(self, html: str) -> int:
        """The calls made while extracting one page."""
        before = self.calls
        extract_article(Selector(text=html), FAMILY, URL)
        return self.calls - before


def nested_sections(depth: int, paragraphs: int) -> str:
    """The reference page with `paragraphs` paragraphs at the bottom of `depth` nested divs,
    each a candidate related block whose text is every paragraph below it."""
    texts = "".join(f"<p>Đoạn {n} của bài viết.</p>" for n in range(paragraphs))
    return around_body('<div class="khoi">' * depth + texts + "</div>" * depth)


def test_text_work_grows_with_depth_plus_size_not_their_product(monkeypatch):
    counting = Counting(monkeypatch)
    base = counting.extract(nested_sections(100, 400))
    deeper = counting.extract(nested_sections(200, 400))
    larger = counting.extract(nested_sections(100, 800))
    # Reading every block's text anew would cost depth x paragraphs: +40,000 calls each way.
    assert deeper - base <= 2 * 100
    assert larger - base <= 3 * 400


def test_text_work_on_a_flat_page_is_linear_in_its_paragraphs(monkeypatch):
    counting = Counting(monkeypatch)
    small = counting.extract(around_body("<p>Một đoạn.</p>\n" * 1_000))
    large = counting.extract(around_body("<p>Một đoạn.</p>\n" * 4_000))
    assert large - small <= 3 * 3_000
