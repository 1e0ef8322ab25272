"""Why a request ended without a page: a reason a person understands, for `fetch_errors`.

Scrapy reports the end of a request as an exception (after its retries); each kind gets a plain
sentence here, so that a redirect loop, a page over the size limit, a timeout or a reset
connection never reads like a robots.txt refusal.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from twisted.python.failure import Failure

from wardcrawler.crawler.middlewares.own_site import LeftTheSite
from wardcrawler.crawler.tls import tls_failure_reason

ROBOTS = "Forbidden by robots.txt"
TOO_MANY_REDIRECTS = "max redirections reached"
OVER_MAXSIZE = "larger than download max size"  # Scrapy's words when a length is announced


def failure_reason(failure: Failure, settings) -> str:
    """The reason to record for a request that failed with `failure` (HTTP errors excepted)."""
    error, request = failure.value, failure.request
    if isinstance(error, IgnoreRequest):
        return _ignored(error, request, settings)
    size = request.meta.get("download_maxsize", settings.getint("DOWNLOAD_MAXSIZE"))
    known = [
        (DownloadTimeoutError, f"timeout: no complete answer in {_timeout(request, settings)} s"),
        (DownloadConnectionRefusedError, "connection refused by the portal"),
        (CannotResolveHostError, "host name not found (DNS)"),
        (ResponseDataLossError, "truncated answer: the connection closed before the whole body"),
        (UnsupportedURLSchemeError, "unsupported URL scheme"),
    ]
    for kind, reason in known:
        if isinstance(error, kind):
            return reason
    message = failure.getErrorMessage()
    if isinstance(error, DownloadCancelledError):
        if OVER_MAXSIZE in message or not message:  # no words: a body that grew over the limit
            return f"too large: the body exceeds the size limit of {size} bytes"
        return f"download cancelled: {message or 'no reason given'}"
    if isinstance(error, DownloadFailedError):
        if "ssl" in message.lower() or "tls" in message.lower():
            return tls_failure_reason(message)
        return f"connection reset or closed by the portal before an answer: {message}"
    return f"{failure.type.__name__}: {message}"


def _ignored(error: IgnoreRequest, request: Request, settings) -> str:
    """The reason of a request that a Scrapy component declined to fetch or to keep."""
    message = str(error)
    if isinstance(error, LeftTheSite):
        return message
    if message.startswith(ROBOTS):
        return "refused by robots.txt"
    if message.startswith(TOO_MANY_REDIRECTS):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        loop = " (a redirect loop)" if len(set(chain)) < len(chain) else ""
        limit = settings.getint("REDIRECT_MAX_TIMES")
        return f"too many redirects{loop}: more than {limit}, through {' -> '.join(chain[-4:])}"
    if "DOWNLOAD_MAXSIZE" in message:
        return f"too large after decompression: {message}"
    return f"not fetched: {message}"


def _timeout(request: Request, settings) -> float:
    """The download timeout that applied to a request."""
    return request.meta.get("download_timeout", settings.getfloat("DOWNLOAD_TIMEOUT"))
