"""PortalQueue, the response budget and start batches: thousands of portals in one crawler."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy import Request
from scrapy.core.downloader import Downloader
from scrapy.core.scraper import Slot as ScraperSlot
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.squeues import LifoMemoryQueue
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from wardcrawler.crawler.downloader import PoliteDownloader, ResponseBudget
from wardcrawler.crawler.middlewares.start_batches import StartBatchesMiddleware
from wardcrawler.crawler.scheduling import PortalQueue
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.portals.registry import Ward


class Engine:  # what these components reach of Scrapy's engine: a real downloader and scraper slot
    def __init__(self, crawler: Crawler, downloader_cls: type = PoliteDownloader) -> None:
        self.downloader = downloader_cls(crawler)
        self.scraper = type("Scraper", (), {"slot": ScraperSlot()})()
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def crawler_with(downloader_cls: type = PoliteDownloader, **settings: Any) -> Crawler:
    crawler = get_crawler(WardsSpider, {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, **settings})
    crawler.engine = Engine(crawler, downloader_cls)
    return crawler


def queue_of(crawler: Crawler) -> PortalQueue:
    return build_from_crawler(PortalQueue, crawler, downstream_queue_cls=LifoMemoryQueue, key="")


def page(slot: str, name: str, priority: int = 0) -> Request:
    return Request(f"http://{slot}.example/{name}", meta={"download_slot": slot},
                   priority=priority)  # fmt: skip


def enter(downloader: PoliteDownloader, request: Request) -> None:
    """What `fetch` does as a request enters the downloader."""
    downloader.in_flight[downloader.get_slot_key(request)] += 1


def leave(downloader: PoliteDownloader, request: Request) -> None:
    """What `fetch` does as a request leaves the downloader (and tells the queue)."""
    downloader._left(None, downloader.get_slot_key(request))


def drain(queue: PortalQueue, downloader: PoliteDownloader) -> list[str]:
    """Pop while the queue gives; each request popped goes into the downloader."""
    popped = []
    while (request := queue.pop()) is not None:
        enter(downloader, request)
        popped.append(request.url.removeprefix("http://").replace(".example", ""))
    return popped


def test_every_portal_gets_a_turn_before_any_gets_a_second():
    crawler = crawler_with()
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    for request in [page("a", "1"), page("a", "2"), page("a", "3"), page("b", "1"), page("c", "1")]:
        queue.push(request)
    assert drain(queue, downloader) == ["a/3", "b/1", "c/1"]  # LIFO within a portal, as Scrapy's
    assert len(queue) == 2  # a's two others wait in the scheduler, not the downloader


def test_a_portal_is_served_again_once_its_request_leaves_the_downloader():
    crawler = crawler_with()
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    first, second = page("a", "1"), page("a", "2")
    queue.push(first)
    queue.push(second)
    assert drain(queue, downloader) == ["a/2"]
    leave(downloader, second)
    assert drain(queue, downloader) == ["a/1"]
    assert len(queue) == 0 and queue.pop() is None


def test_a_portal_with_a_request_already_in_the_downloader_waits():
    crawler = crawler_with()
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    robots = Request("http://a.example/robots.txt", meta={"download_slot": "a"})
    enter(downloader, robots)  # e.g. robots.txt, fetched by Scrapy itself
    queue.push(page("a", "1"))
    assert drain(queue, downloader) == []
    leave(downloader, robots)
    assert drain(queue, downloader) == ["a/1"]


def test_within_a_portal_priority_comes_first():
    crawler = crawler_with()
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    queue.push(page("a", "article"))
    queue.push(page("a", "listing", priority=1000))
    assert drain(queue, downloader) == ["a/listing"]


def test_the_per_portal_concurrency_setting_is_the_number_served_at_once():
    crawler = crawler_with(CONCURRENT_REQUESTS_PER_DOMAIN=2)
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    for name in "123":
        queue.push(page("a", name))
    queue.push(page("b", "1"))
    assert drain(queue, downloader) == ["a/3", "b/1", "a/2"]  # a's second turn after b's first


def test_the_queue_needs_the_downloader_that_counts_slots():
    with pytest.raises(ValueError, match="PoliteDownloader"):
        queue_of(crawler_with(Downloader))


def test_pending_requests_wait_serialized_and_come_back_whole():
    crawler = crawler_with()
    crawler.spider = crawler._create_spider()
    queue, downloader = queue_of(crawler), crawler.engine.downloader
    ward = Ward("a", "Phường A", "Hà Nội", "http://a.example/", "hanoi-portal")
    sent = crawler.spider.article_request(ward, "http://a.example/tin/1.htm", "1")
    queue.push(sent)
    back = queue.pop()
    assert back is not sent  # it was kept as Scrapy keeps requests for JOBDIR, not in memory
    assert (back.url, back.callback, back.cb_kwargs, back.meta) == (
        sent.url,
        crawler.spider.parse_article,
        {"ward": ward, "key": "1"},
        sent.meta,
    )
    enter(downloader, back)


def test_a_request_that_cannot_be_serialized_waits_in_memory():
    crawler = crawler_with()
    crawler.spider = crawler._create_spider()
    queue = queue_of(crawler)
    odd = Request("http://a.example/", callback=lambda response: None, meta={"download_slot": "a"})
    queue.push(odd)
    assert queue.pop() is odd


def test_with_a_job_directory_the_queue_outlives_the_crawl(tmp_path):
    crawler = crawler_with()
    queue = build_from_crawler(PortalQueue, crawler, downstream_queue_cls=LifoMemoryQueue,
                               key=str(tmp_path))  # fmt: skip
    for name in "12":
        queue.push(page("a", name))
    queue.push(page("b", "1"))
    queue.close()
    resumed = build_from_crawler(PortalQueue, crawler_with(), downstream_queue_cls=LifoMemoryQueue,
                                 key=str(tmp_path))  # fmt: skip
    assert len(resumed) == 3
    assert sorted(drain(resumed, resumed.downloader)) == ["a/2", "b/1"]


def budget_of(**settings: Any) -> tuple[ResponseBudget, Crawler]:
    crawler = crawler_with(**settings)
    return crawler.engine.downloader.budget, crawler


def response(size: int) -> Response:
    return Response("http://a.example/", body=b"x" * size)


def test_the_budget_counts_transfers_at_their_mean_size_and_responses_waiting_to_be_parsed():
    budget, crawler = budget_of(WARDCRAWLER_RESPONSE_BUDGET_BYTES=1_000_000)
    budget.mean = 100_000
    budget.transfers = 5
    assert budget.allows()  # 6 x 100 kB
    crawler.engine.scraper.slot.active_size = 500_000
    assert not budget.allows()  # 500 kB waiting + 6 x 100 kB
    budget.transfers = 0
    assert budget.allows()  # nothing under way: one transfer always goes


def test_the_mean_size_follows_the_responses():
    budget, _ = budget_of()
    for _ in range(200):
        budget.transfers += 1
        budget.ended(response(2_000))
    assert budget.transfers == 0
    assert budget.mean == pytest.approx(2_000, rel=0.01)
    budget.transfers += 1
    budget.ended(None)  # a failed transfer counts, but has no size
    assert budget.transfers == 0 and budget.mean == pytest.approx(2_000, rel=0.01)


def test_a_budget_of_zero_is_no_budget():
    budget, crawler = budget_of(WARDCRAWLER_RESPONSE_BUDGET_BYTES=0)
    budget.transfers = 10_000
    crawler.engine.scraper.slot.active_size = 10**9
    assert budget.allows()


def start_output(crawler: Crawler, items: list[Any]) -> list[Any]:
    middleware = build_from_crawler(StartBatchesMiddleware, crawler)

    async def start():
        for item in items:
            yield item

    async def consume():
        return [item async for item in middleware.process_start(start())]

    return asyncio.run(consume())


def test_start_requests_reach_the_scheduler_a_batch_per_turn():
    crawler = crawler_with(WARDCRAWLER_START_BATCH=10)
    requests = [page(f"w{i}", "") for i in range(25)]
    yielded = start_output(crawler, requests)
    assert yielded == [requests[9], requests[19]]  # the engine's turns: one per batch
    assert crawler.engine.crawled == [r for r in requests if r not in yielded]  # in order


def test_items_from_start_go_to_the_engine_as_they_come():
    crawler = crawler_with(WARDCRAWLER_START_BATCH=10)
    item = {"an": "item"}
    yielded = start_output(crawler, [page("a", ""), item, page("b", "")])
    assert yielded == [item]
    assert [r.url for r in crawler.engine.crawled] == ["http://a.example/", "http://b.example/"]
