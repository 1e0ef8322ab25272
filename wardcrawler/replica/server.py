"""`ReplicaServer`: one HTTP origin per replica ward on 127.0.0.1, its registry and ground truth."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wardcrawler.portals.registry import registry_text

from . import (
    render_danang,
    render_hanoi,
    render_liferay,
    render_sharepoint,
    render_tandan,
    render_viewcontent,
)
from .changes import advance_all, gone_records
from .content import build_sites
from .model import (
    DANANG,
    HANOI_PORTAL,
    LIFERAY_AP,
    LIFERAY_VC,
    SHAREPOINT,
    TANDAN,
    VN_TZ,
    Article,
    Site,
)
from .render_common import Page, page

Router = Callable[[Site, str, dict[str, list[str]]], Page]
ROUTERS: dict[str, Router] = {
    LIFERAY_AP: render_liferay.route,
    HANOI_PORTAL: render_hanoi.route,
    LIFERAY_VC: render_viewcontent.route,
    TANDAN: render_tandan.route,
    SHAREPOINT: render_sharepoint.route,
    DANANG: render_danang.route,
}


class _WardHTTPServer(ThreadingHTTPServer):
    """HTTP server of one ward; knows its site and the replica that logs requests."""

    daemon_threads = True

    def __init__(self, site: Site, replica: ReplicaServer) -> None:
        self.site, self.replica = site, replica
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away mid-response."""


class _Handler(BaseHTTPRequestHandler):
    """Request handler: route by family, apply faults, log the request."""

    server: _WardHTTPServer
    server_version = "Apache-Coyote/1.1"
    sys_version = ""

    def do_GET(self) -> None:
        """Serve a GET request."""
        self._serve(head=False)

    def do_HEAD(self) -> None:
        """Serve a HEAD request."""
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        site, replica = self.server.site, self.server.replica
        parts = urlsplit(self.path)
        try:
            with replica.content_lock:
                result = ROUTERS[site.family](site, parts.path, parse_qs(parts.query, True))
        except Exception:  # noqa: BLE001 - a replica bug must still answer
            result = Page(500, "Internal error", "text/plain")
        result = replica.apply_fault(site, result)
        body = result.body.encode() if isinstance(result.body, str) else result.body
        replica.log(site.slug, self.command, self.path, result.status)
        self.send_response(result.status)
        self.send_header("Content-Type", result.content_type)
        self.send_header("Content-Length", str(len(body)))
        if result.status == 503:
            self.send_header("Retry-After", "0")
        if result.location:
            self.send_header("Location", result.location)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No stderr logging."""


class ReplicaServer:
    """Serves the replica wards, each on its own 127.0.0.1 port, and knows their ground truth."""

    def __init__(self, seed: int = 0, slow_seconds: float = 1.5) -> None:
        self.seed, self.slow_seconds = seed, slow_seconds
        self.sites = build_sites(seed)
        self.step = 0
        self.content_lock = threading.RLock()  # held while advancing and while routing a request
        self._servers: list[_WardHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, str, int]] = []
        self._failed_once: set[tuple[str, str]] = set()

    @property
    def wards(self) -> list[Site]:
        """The served wards (`.url` is set once started)."""
        return self.sites

    @property
    def requests(self) -> list[tuple[str, str, str, int]]:
        """Copy of the request log: (ward slug, method, path with query, status)."""
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Clear the request log (e.g. to count the requests of one crawl)."""
        with self._lock:
            self._requests.clear()

    def advance(self) -> dict[str, Any]:
        """One night of changes on every ward (see `changes.advance_all`); returns the summary."""
        with self.content_lock:
            self.step += 1
            return advance_all(self.sites, self.seed, self.step, self.canonical_url)

    def log(self, slug: str, method: str, path: str, status: int) -> None:
        """Record one served request."""
        with self._lock:
            self._requests.append((slug, method, path, status))

    def apply_fault(self, site: Site, result: Page) -> Page:
        """Answer 503 to the first request of the 503 article; delay the slow one; break one."""
        article = result.article
        fault = site.faults.get(article.key) if article else None
        if fault == "broken":  # a soft 404: 200, but no article on the page
            return page(
                site, "Thông báo", '<div class="portlet-msg-info">Bài viết đang cập nhật.</div>'
            )
        if fault == "slow":
            time.sleep(self.slow_seconds)
        elif fault == "503" and article is not None:
            with self._lock:
                first = (site.slug, article.key) not in self._failed_once
                self._failed_once.add((site.slug, article.key))
            if first:
                return Page(503, "Service Temporarily Unavailable", "text/plain")
        return result

    def start(self) -> ReplicaServer:
        """Bind one server per ward on 127.0.0.1:0 and serve in daemon threads."""
        for site in self.sites:
            httpd = _WardHTTPServer(site, self)
            site.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
            thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._servers.append(httpd)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close every socket."""
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def registry_toml(self) -> str:
        """The wards as a registry TOML document."""
        return registry_text([site.registry() for site in self.sites])

    def canonical_url(self, site: Site, article: Article) -> str:
        """One absolute URL of an article."""
        if site.family == LIFERAY_AP:
            return site.absolute(render_liferay.article_url(site, article.primary, article))
        if site.family == HANOI_PORTAL:
            return site.absolute(render_hanoi.article_url(site, article))
        if site.family == TANDAN:
            return site.absolute(render_tandan.article_url(site, article))
        if site.family == SHAREPOINT:
            return site.absolute(render_sharepoint.article_url(site, article))
        if site.family == DANANG:
            return site.absolute(render_danang.article_url(site, article))
        return site.absolute(render_viewcontent.article_url(site, article.primary, article))

    def ground_truth(self) -> dict[str, Any]:
        """What the wards serve now, field by field (see the package docstring)."""
        with self.content_lock:
            return self._truth()

    def _truth(self) -> dict[str, Any]:
        """The ground truth; call with the content lock held."""
        articles, dead, broken = [], [], []
        faults: dict[str, list[str]] = {"503_once": [], "slow": []}
        robots: set[str] = set()
        for site in self.sites:
            robots.update(site.robots_paths)
            for a in site.articles:
                url = self.canonical_url(site, a)
                if a.kind == "dead":
                    dead.append(url)
                if a.kind == "broken":
                    broken.append(url)
                if a.kind != "article":
                    continue
                fault = site.faults.get(a.key)
                if fault:
                    faults["503_once" if fault == "503" else "slow"].append(url)
                articles.append(_truth(site, a, url))
        return {
            "wards": [site.registry() for site in self.sites],
            "articles": articles,
            "dead_links": sorted(dead),
            "malformed": sorted(broken),
            "robots_disallowed": sorted(robots),
            "fault_urls": faults,
            "gone": gone_records(self.sites, self.canonical_url),
            "step": self.step,
        }

    def write(self, out_dir: Path | str) -> None:
        """Write `wards.toml` and `truth.json` into `out_dir`."""
        write_files(out_dir, self.registry_toml(), self.ground_truth())


def write_files(out_dir: Path | str, registry: str, truth: dict) -> None:
    """Write a registry and its ground truth, each file replaced whole (never half-written)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(truth, ensure_ascii=False, indent=1) + "\n"
    for name, content in (("wards.toml", registry), ("truth.json", text)):
        partial = out / f".{name}.partial"
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, out / name)


def _truth(site: Site, a: Article, url: str) -> dict[str, Any]:
    """Ground-truth record of one article."""
    names = sorted(c.name for c in site.categories if c.path in a.categories)
    return {
        "ward": site.slug,
        "key": a.key,
        "url": url,
        "title": a.title,
        "posted_at": a.posted.replace(tzinfo=VN_TZ).isoformat(),
        "views": a.views,
        "body": a.body(),
        "categories": names,
        "attachments": sorted(site.absolute(u) for u in a.attachments()),
    }
