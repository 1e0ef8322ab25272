"""Running the spider in this process: settings, overrides and the exit code."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from wardcrawler.spiders.wards import WardsSpider

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1


def crawl_settings(
    db: Path, wards_file: Path | None, wards: list[str], overrides: dict
) -> Settings:
    """The project's settings, the command's choices, then `-s NAME=VALUE` overrides on top."""
    settings = Settings()
    settings.setmodule("wardcrawler.settings", priority="project")
    settings.set("WARDCRAWLER_DB", str(db), priority="cmdline")
    settings.set("WARDCRAWLER_WARDS_FILE", str(wards_file or ""), priority="cmdline")
    settings.set("WARDCRAWLER_WARDS", ",".join(wards), priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(settings: Settings) -> int:
    """Crawl with these settings; return the process exit code."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WardsSpider)
    process.crawl(crawler)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return EXIT_OK if reason == "finished" else EXIT_CRAWL_FAILED
