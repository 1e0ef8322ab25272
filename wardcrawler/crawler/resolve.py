"""`--resolve HOST=IP:PORT`: a host's requests sent to a given address, as curl's `--resolve`.

With a map in `WARDCRAWLER_RESOLVE` (JSON: host, or host:port, to `IP:PORT`), the download
handler of both schemes sends each request for a mapped host to its address over plain HTTP,
with the URL and the `Host` header of the request unchanged (the response keeps the request's
URL); a host not in the map is not resolved at all, so no DNS query leaves the machine: its
requests fail as a host name not found. For testing against local portals standing in for
real hosts, and for crawling a proposed registry against them.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response
from scrapy.settings import Settings

SETTING = "WARDCRAWLER_RESOLVE"
HANDLER = f"{__name__}.ResolvingDownloadHandler"


class ResolveError(ValueError):
    """A `--resolve` entry that is not `HOST=IP:PORT`."""


def parse_routes(pairs: list[str], source: str = "--resolve") -> dict[str, str]:
    """`HOST=IP:PORT` entries as a map (hosts lowercase; `HOST:PORT=...` maps one port only)."""
    routes = {}
    for number, pair in enumerate(pairs, start=1):
        host, sep, target = pair.strip().partition("=")
        where = f"{source}" + (f" line {number}" if source != "--resolve" else "")
        address, colon, port = target.strip().rpartition(":")
        if not (sep and host.strip() and colon and port.isdigit() and 0 < int(port) < 65536):
            raise ResolveError(f"{where}: expected HOST=IP:PORT, got {pair.strip()!r}")
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError as exc:
            raise ResolveError(f"{where}: not an IP address: {address!r}") from exc
        shown = f"[{ip}]" if ip.version == 6 else str(ip)
        routes[host.strip().lower().rstrip(".")] = f"{shown}:{port}"
    return routes


def routes_of(pairs: tuple[str, ...], file: Path | None) -> dict[str, str]:
    """The map of `--resolve` options and of a `--resolve-file` (one entry a line; blank lines
    and `#` comments skipped)."""
    routes = parse_routes(list(pairs))
    if file is not None:
        lines = file.read_text(encoding="utf-8").splitlines()
        wanted = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        routes = {**parse_routes(wanted, str(file)), **routes}
    return routes


def apply_routes(settings: Settings, routes: dict[str, str]) -> None:
    """Route the crawl's requests by the map (nothing changes for an empty map)."""
    if routes:
        settings.set(SETTING, json.dumps(routes), priority="cmdline")
        settings.set("DOWNLOAD_HANDLERS", {"http": HANDLER, "https": HANDLER}, priority="cmdline")


class ResolvingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, connecting to the mapped address of each host."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.routes: dict[str, str] = json.loads(crawler.settings.get(SETTING) or "{}")

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = self.routes.get(f"{host}:{port}") or self.routes.get(host)
        if target is None:
            raise CannotResolveHostError(f"{host}: not resolved (only --resolve hosts are)")
        routed = urlunsplit(("http", target, parts.path or "/", parts.query, ""))
        headers = request.headers.copy()
        headers["Host"] = parts.netloc.rpartition("@")[2]
        sent = request.replace(url=routed, headers=headers)
        response = await super().download_request(sent)
        if "download_latency" in sent.meta:  # what AutoThrottle reads, on the request it knows
            request.meta["download_latency"] = sent.meta["download_latency"]
        return response.replace(url=request.url)
