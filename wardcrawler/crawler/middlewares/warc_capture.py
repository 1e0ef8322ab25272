"""WARC capture of everything the crawler receives (a downloader middleware next to the network).

Sitting closest to the downloader, it sees each response as it came off the wire, before
decompression, redirects or retries are handled: listing and article pages, robots.txt, error
pages, redirects and downloaded attachments. Each goes to the WARC files with its request and a
metadata record, and gets a row in `captures` (file, offset, length, digest), linked to its
article. Off with `WARDCRAWLER_WARC_DIR = "off"`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from wardcrawler.clock import now
from wardcrawler.crawler.shared import RUN_STAT, shared_archive, stop_for_archive, ward_of
from wardcrawler.paths import warc_dir_for
from wardcrawler.portals.registry import Ward
from wardcrawler.portals.shards import parse_shard
from wardcrawler.store.preflight import problem_of
from wardcrawler.warc.writer import WarcFiles


class WarcCaptureMiddleware:
    """Writes every response to WARC files and records it in `captures`."""

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler, self.folder = crawler, folder
        self.max_bytes = crawler.settings.getint("WARDCRAWLER_WARC_MAX_BYTES", 500_000_000)
        self.files: WarcFiles | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        folder = warc_dir_for(settings.get("WARDCRAWLER_DB"), settings.get("WARDCRAWLER_WARC_DIR"))
        if folder is None:
            raise NotConfigured("WARC capture is off")
        return cls(crawler, folder)

    def open_files(self) -> WarcFiles:
        """The run's WARC files, named after the run (opened on the first response)."""
        if self.files is None:
            run = self.crawler.stats.get_value(RUN_STAT) or 0
            stamp = now().replace(":", "").replace("-", "")[:15]
            info = {"wardcrawler-run": run, "operator": "wardcrawler crawl"}
            shard = self.crawler.settings.get("WARDCRAWLER_SHARD")
            label = f"-{parse_shard(shard).label}" if shard else ""  # shards' files never clash
            self.files = WarcFiles(self.folder, f"wardcrawler-{stamp}-run{run:05d}{label}",
                                   self.max_bytes, info)  # fmt: skip
        return self.files

    def process_response(self, request, response):
        ward = ward_of(self.crawler, request)
        if ward is None:
            return response
        meta = self.metadata(request, ward)
        try:
            written = self.open_files().write(
                response.url,
                (request.method, request.headers, request.body),
                (response.status, response.protocol or "HTTP/1.1", response.headers, response.body),
                meta,
            )
        except OSError as exc:  # a full or vanished WARC folder: the crawl stops, saying why
            problem = problem_of(exc, self.crawler.settings.get("WARDCRAWLER_DB"), self.folder)
            if problem is None:
                raise
            stop_for_archive(self.crawler, problem)
            raise IgnoreRequest(f"not kept: {problem}") from exc
        request.meta["fetched_at"] = written.fetched_at
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        shared_archive(self.crawler).record_capture(
            {
                "run_id": meta["run"],
                "ward": ward.slug,
                "kind": meta["kind"],
                "url": response.url,
                "article_key": meta.get("article_key"),
                "fetched_at": written.fetched_at,
                "status": response.status,
                "content_type": content_type,
                "warc_file": written.warc_file,
                "warc_offset": written.offset,
                "warc_length": written.length,
                "payload_digest": written.digest,
                "source": "live",
            }  # fmt: skip
        )
        return response

    def metadata(self, request, ward: Ward) -> dict:
        """What re-extraction needs to know about this response."""
        kind = request.meta.get("kind") or ("robots" if request.url.endswith("/robots.txt") else "")
        return {
            "run": self.crawler.stats.get_value(RUN_STAT),
            "ward": {**asdict(ward), "family": ward.family_key},
            "kind": kind,
            "category": request.cb_kwargs.get("category"),
            "discovering": bool(request.cb_kwargs.get("discovering")),
            "rank": request.cb_kwargs.get("rank", 0),
            "article_key": request.meta.get("article_key"),
            "request_url": (request.meta.get("redirect_urls") or [request.url])[0],
            "redirect_reasons": list(request.meta.get("redirect_reasons") or []),
        }

    def spider_closed(self) -> None:
        if self.files is not None:
            self.files.close()
