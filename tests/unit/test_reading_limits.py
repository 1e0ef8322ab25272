"""A page over the extraction limits is a recorded failure, for listings as for articles."""

from __future__ import annotations

from wardcrawler.extract.bounds import MAX_EXTRACT_BYTES
from wardcrawler.items import PageFailure
from wardcrawler.portals.registry import Ward
from wardcrawler.reading import Fetched, article_items, listing_items

WARD = Ward("w1", "Phường Một", "Hà Nội", "http://w1.example/", "hanoi-portal")
HUGE = b"<html><body><p>" + b"x" * (MAX_EXTRACT_BYTES + 1) + b"</p></body></html>"


def page(url: str) -> Fetched:
    return Fetched(url, 200, HUGE, "text/html; charset=utf-8", "2026-12-01T00:00:00+00:00")


def test_an_over_the_limit_listing_is_a_failure_naming_the_limit():
    listing, items = listing_items(page("http://w1.example/tin-tuc"), WARD, "tin-tuc", False)
    assert listing is None
    (failure,) = items
    assert isinstance(failure, PageFailure) and failure.url == "http://w1.example/tin-tuc"
    assert failure.reason.startswith("page too large to extract") and str(MAX_EXTRACT_BYTES) in (
        failure.reason
    )


def test_an_over_the_limit_article_is_a_failure_naming_the_limit():
    url = "http://w1.example/tin-tuc/bai-viet-2712250800000000001.htm"
    (failure,) = article_items(page(url), WARD, "2712250800000000001")
    assert isinstance(failure, PageFailure)
    assert failure.reason.startswith("page too large to extract")
