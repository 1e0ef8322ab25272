"""TLS as ward portals serve it: old protocol versions and weak certificates accepted, as a
browser with a warning would, while modern servers still get TLS 1.3.

Many gov.vn portals still answer only TLS 1.0 or 1.1, with 1024-bit RSA keys, SHA-1 signatures
and incomplete chains. Scrapy does not verify certificates, but OpenSSL's defaults (minimum
TLS 1.2, security level 1 or 2) refuse such servers before any certificate is read, and Twisted
expands `DOWNLOADER_CLIENT_TLS_CIPHERS` into a list of cipher names, which drops an
`@SECLEVEL=N` directive. `LegacyTLSDownloadHandler` (the `https` download handler) uses
`LegacyTLSContextFactory`, which:

- lowers the minimum protocol version to `DOWNLOAD_TLS_MIN_VERSION`, `TLSv1.0` when unset
  (`DOWNLOAD_TLS_MAX_VERSION` is honoured as in Scrapy);
- applies the `@SECLEVEL=N` of `DOWNLOADER_CLIENT_TLS_CIPHERS` to every connection, level 0
  when the setting names none (`-s DOWNLOADER_CLIENT_TLS_CIPHERS=DEFAULT:@SECLEVEL=2` restores
  OpenSSL's strictness).

The client still offers its best protocol and ciphers first: a modern server negotiates TLS 1.3.
`tls_failure_reason` turns a handshake that still fails into a sentence for `fetch_errors`.

A download handler rather than `DOWNLOADER_CLIENTCONTEXTFACTORY`, which Scrapy 2.19 deprecates;
it builds on Scrapy's private context factory (`tests/e2e/test_tls_legacy.py` guards it). With
`DOWNLOAD_VERIFY_CERTIFICATES` on, Twisted's verifying options apply unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from OpenSSL import SSL
from scrapy.core.downloader.contextfactory import (
    _ScrapyCertificateOptions,
    _ScrapyClientContextFactory,
)
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.core.downloader.tls import _TWISTED_VERSION_MAP
from scrapy.crawler import Crawler

MIN_VERSION = "TLSv1.0"  # when DOWNLOAD_TLS_MIN_VERSION is unset
SECURITY_LEVEL = 0  # when DOWNLOADER_CLIENT_TLS_CIPHERS names no @SECLEVEL
SECLEVEL_RE = re.compile(r"@SECLEVEL=(\d)")
OPENSSL_REASON_RE = re.compile(r"\('[^']*', '[^']*', '([^']+)'\)")
FAILURE_RE = re.compile(r"<twisted\.python\.failure\.Failure ([^>]+)>")
# OpenSSL's reason strings, in plain words (the strings themselves are kept in the message).
EXPLAINED = [
    (("protocol version", "unsupported protocol", "no protocols available"),
     "no TLS version in common with the portal"),
    (("handshake failure", "no shared cipher", "no ciphers available", "insufficient security"),
     "no cipher in common with the portal"),
    (("key too small", "md too weak", "too weak", "bad dh value"),
     "the portal's key or certificate is weaker than the security level allows"),
    (("certificate required",), "the portal asks for a client certificate"),
    (("wrong version number", "packet length too long", "record layer failure"),
     "the portal does not speak TLS on this port"),
]  # fmt: skip


def security_level(ciphers: str | None) -> int:
    """The `@SECLEVEL=N` of a cipher string, else the crawler's default level."""
    found = SECLEVEL_RE.search(ciphers or "")
    return int(found.group(1)) if found else SECURITY_LEVEL


class LegacyCertificateOptions(_ScrapyCertificateOptions):
    """Scrapy's certificate options, with the security level applied to each context."""

    def __init__(self, *args: Any, security_level: int = SECURITY_LEVEL, **kwargs: Any) -> None:
        self.security_level = security_level
        super().__init__(*args, **kwargs)

    def _makeContext(self, skipCiphers: bool = False) -> SSL.Context:  # noqa: N802 (Twisted's)
        context = super()._makeContext(skipCiphers)
        if not skipCiphers:
            directive = f":@SECLEVEL={self.security_level}"
            context.set_cipher_list((self._cipherString + directive).encode("ascii"))
        return context


class LegacyTLSContextFactory(_ScrapyClientContextFactory):
    """Scrapy's client context factory (no certificate verification), down to TLS 1.0."""

    def __init__(self, *args: Any, security_level: int = SECURITY_LEVEL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.security_level = security_level

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> LegacyTLSContextFactory:
        settings = crawler.settings
        factory = super().from_crawler(crawler, *args, **kwargs)
        factory.security_level = security_level(settings.get("DOWNLOADER_CLIENT_TLS_CIPHERS"))
        method_chosen = factory._ssl_method != SSL.SSLv23_METHOD  # DOWNLOADER_CLIENT_TLS_METHOD
        if not settings.get("DOWNLOAD_TLS_MIN_VERSION") and not method_chosen:
            factory.tls_min_version = _TWISTED_VERSION_MAP[MIN_VERSION]
        return factory

    def _get_cert_options(self) -> LegacyCertificateOptions:
        options = self._get_cert_options_kwargs()
        return LegacyCertificateOptions(security_level=self.security_level, **options)


class LegacyTLSDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler with `LegacyTLSContextFactory` for https."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._contextFactory = LegacyTLSContextFactory.from_crawler(crawler)


def tls_failure_reason(message: str) -> str:
    """A `fetch_errors` reason for a failed TLS handshake, from Scrapy's error message."""
    found = OPENSSL_REASON_RE.findall(message) or FAILURE_RE.findall(message) or [message.strip()]
    reasons = list(dict.fromkeys(found))
    text = "; ".join(reasons)
    lowered = text.lower()
    for needles, meaning in EXPLAINED:
        if any(needle in lowered for needle in needles):
            return f"TLS handshake failed: {meaning} ({text})"
    return f"TLS handshake failed: {text}"
