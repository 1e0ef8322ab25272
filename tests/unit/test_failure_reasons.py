"""The reasons recorded for requests that ended without a page: each says what happened."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from wardcrawler.crawler import settings as project_settings
from wardcrawler.crawler.failures import failure_reason
from wardcrawler.crawler.spiders.wards import http_reason
from wardcrawler.portals.registry import Ward

SETTINGS = Settings()
SETTINGS.setmodule(project_settings)
WARD = Ward("w1", "Phường Một", "Hà Nội", "http://w1.example:8080/", "hanoi-portal",
            aliases=("old-w1.example",))  # fmt: skip


def failed(error: Exception, url: str = "http://w1.example:8080/a.htm") -> Failure:
    failure = Failure(error)
    failure.request = Request(url)
    return failure


@pytest.mark.parametrize("announced", [True, False])
def test_a_body_over_the_size_limit_reads_too_large(announced: bool):
    # Scrapy's words when the length is announced; a body that grows over it is cancelled bare
    request = Request("http://w1.example:8080/big.htm")
    message = (f"Expected to receive 40000000 bytes which is larger than download max size "
               f"(33554432) in request {request}." if announced else "")  # fmt: skip
    reason = failure_reason(failed(DownloadCancelledError(message)), SETTINGS)
    assert reason.startswith("too large") and str(SETTINGS.getint("DOWNLOAD_MAXSIZE")) in reason


def test_another_cancelled_download_is_not_called_too_large():
    reason = failure_reason(failed(DownloadCancelledError("the engine stopped")), SETTINGS)
    assert reason.startswith("download cancelled") and "too large" not in reason


def test_a_timeout_names_the_timeout():
    reason = failure_reason(failed(DownloadTimeoutError("took too long")), SETTINGS)
    assert reason.startswith("timeout") and str(SETTINGS.getint("DOWNLOAD_TIMEOUT")) in reason


def redirect(location: str, status: int = 302) -> Response:
    return Response("http://w1.example:8080/a.htm", status=status,
                    headers={"Location": location})  # fmt: skip


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://elsewhere.example/x", "off the site"),
        ("https://other.example:8080/x", "off the site"),
        ("javascript:void(0)", "not a web address"),
        ("ftp://w1.example:8080/x", "not a web address"),
        ("/b.htm", "Scrapy did not follow it"),
        ("http://old-w1.example:8080/b.htm", "Scrapy did not follow it"),  # an alias
    ],
)
def test_a_redirect_not_followed_says_where_and_why(location: str, why: str):
    assert http_reason(redirect(location), WARD) == (
        f"HTTP 302: a redirect to {location}, not followed ({why})")  # fmt: skip


def test_other_statuses_are_just_their_number():
    assert http_reason(Response("http://w1.example:8080/", status=503), WARD) == "HTTP 503"
    assert http_reason(redirect("", status=304), WARD) == "HTTP 304"
