"""The web archive's interfaces (CDX, replay URLs) and the Retry-After politeness."""

import json
from urllib.parse import parse_qs, urlsplit

from wardcrawler.crawler.middlewares.retry_after import retry_after
from wardcrawler.wayback.cdx import (
    capture_time,
    cdx_url,
    parse_cdx,
    replay_url,
    replayed_capture,
    same_resource,
)

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
PAGE = "http://phucloi.longbien.hanoi.gov.vn/tin-moi-nhat"
ROW = ["vn,gov,hanoi)/tin-moi-nhat", "20230915180200", PAGE, "text/html", "200", "ABC", "1234"]


def test_cdx_query_is_a_resumable_prefix_query():
    url = cdx_url("https://web.archive.org/", "phucloi.longbien.hanoi.gov.vn", "https",
                  limit=500, since="2020", until="202506", resume_key="k1")  # fmt: skip
    parts = urlsplit(url)
    assert parts.path == "/cdx/search/cdx"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["url"] == "https://phucloi.longbien.hanoi.gov.vn/"
    assert (query["matchType"], query["output"], query["showResumeKey"]) == (
        "prefix",
        "json",
        "true",
    )
    assert (query["from"], query["to"], query["limit"], query["resumeKey"]) == (
        "2020", "202506", "500", "k1")  # fmt: skip


def test_parse_cdx_pages():
    rows, resume = parse_cdx(json.dumps([HEADER, ROW, [], ["next-key"]]))
    assert resume == "next-key" and rows[0].timestamp == "20230915180200"
    assert rows[0].original.endswith("/tin-moi-nhat") and rows[0].statuscode == "200"
    rows, resume = parse_cdx(json.dumps([HEADER, ROW]))
    assert resume is None and len(rows) == 1
    assert parse_cdx("[]") == ([], None)


def test_replay_urls_and_archive_redirects():
    original = "http://phucloi.longbien.hanoi.gov.vn/tin?p_p_id=101&_101_urlTitle=x"
    url = replay_url("https://web.archive.org", "20230915180200", original)
    assert url == f"https://web.archive.org/web/20230915180200id_/{original}"
    assert replayed_capture("/web/20230916000000id_/" + original) == ("20230916000000", original)
    assert replayed_capture("http://phucloi.example/other") is None
    assert same_resource("https://www.a.example/x?y=1", "http://a.example/x?y=1")
    assert not same_resource("http://a.example/x", "http://a.example/z")


def test_capture_time():
    assert capture_time("20230915180200") == "2023-09-15T18:02:00+00:00"
    assert capture_time("2023") == "2023-01-01T00:00:00+00:00"


def test_retry_after():
    assert retry_after(b"3", 0) == 3.0
    assert retry_after(None, 2) == 4.0
    assert retry_after(b"99999", 0) == 300.0
    assert retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT", 0) == 0.0  # in the past


def test_liferay_identity_is_the_same_however_the_title_is_quoted():
    from wardcrawler.extract.urls import article_id, canonical_article_url
    from wardcrawler.portals.families import FAMILIES

    family = FAMILIES["liferay-asset-publisher"]
    listed = "http://w.example/tin?p_p_id=101&_101_urlTitle=hoi%20nghi"
    canonical = canonical_article_url(family, listed, "http://w.example/")
    assert article_id(family, listed) == article_id(family, canonical) == "hoi nghi"


def test_captures_of_a_generic_ward_say_why_they_are_not_read():
    from wardcrawler.crawler.spiders.wayback import not_article
    from wardcrawler.portals.registry import Ward

    declared = Ward("w", "Phường W", "Hà Nội", "http://w.example/", "hanoi-portal")
    generic = Ward("w", "Phường W", "Hà Nội", "http://w.example/", "generic")
    assert not_article(declared) == "not an article"
    assert "no URL grammar" in not_article(generic)
