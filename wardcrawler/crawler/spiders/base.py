"""What every wardcrawler spider shares: the registry's wards, narrowed to `--ward` slugs."""

from __future__ import annotations

import time
from typing import Any

import scrapy

from wardcrawler.crawler.concurrency import grow_with_portals
from wardcrawler.crawler.shared import FIRST_STAT, LAST_STAT, PAGES_STAT
from wardcrawler.portals.registry import Ward, load_wards
from wardcrawler.portals.shards import parse_shard


class RegistrySpider(scrapy.Spider):
    """A spider over the wards of a registry (settings `WARDCRAWLER_WARDS_FILE`, `_WARDS`),
    or of one shard of them (`WARDCRAWLER_SHARD`)."""

    mode: str | None = None  # the run's mode in the ledger (None: incremental or full)

    def __init__(self, wards_file: str | None = None, wards: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.wards_file = wards_file
        self.only = [s.strip() for s in (wards or "").split(",") if s.strip()]

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        kwargs.setdefault("wards_file", crawler.settings.get("WARDCRAWLER_WARDS_FILE") or None)
        kwargs.setdefault("wards", crawler.settings.get("WARDCRAWLER_WARDS") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.wards = spider.select_wards(load_wards(spider.wards_file))
        shard = crawler.settings.get("WARDCRAWLER_SHARD")
        if shard:
            spider.wards = [w for w in spider.wards if parse_shard(shard).holds(w.slug)]
        grow_with_portals(crawler.settings, len(spider.wards))
        return spider

    def select_wards(self, wards: list[Ward]) -> list[Ward]:
        """The registry's wards, narrowed to `--ward` slugs when given."""
        if not self.only:
            return wards
        known = {w.slug for w in wards}
        unknown = [s for s in self.only if s not in known]
        if unknown:
            raise ValueError(f"unknown ward slug(s): {', '.join(unknown)}")
        return [w for w in wards if w.slug in self.only]

    def count_page(self, ward: Ward) -> None:
        """Count a response of the ward and when it came (for the run ledger)."""
        stats, moment = self.crawler.stats, time.time()
        stats.inc_value(PAGES_STAT.format(ward.slug))
        stats.min_value(FIRST_STAT.format(ward.slug), moment)
        stats.max_value(LAST_STAT.format(ward.slug), moment)
