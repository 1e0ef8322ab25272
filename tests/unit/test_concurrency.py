"""The crawl's total concurrency grows with its portals; politeness per portal does not."""

from __future__ import annotations

import subprocess
import sys

from scrapy.settings import Settings

from wardcrawler.crawler.concurrency import grow_with_portals


def project_settings(**cmdline) -> Settings:
    settings = Settings()
    settings.setmodule("wardcrawler.crawler.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    return settings


def test_every_portal_has_a_request_in_flight() -> None:
    settings = project_settings()
    assert grow_with_portals(settings, 3321) == 3321
    assert settings.getint("CONCURRENT_REQUESTS") == 3321
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_a_small_registry_keeps_a_small_total() -> None:
    settings = project_settings()
    assert grow_with_portals(settings, 3) == 3


def test_the_cap_bounds_the_total() -> None:
    settings = project_settings(WARDCRAWLER_MAX_CONCURRENT_REQUESTS=100)
    assert grow_with_portals(settings, 3321) == 100


def test_a_total_given_on_the_command_line_is_kept() -> None:
    settings = project_settings(CONCURRENT_REQUESTS=5)
    assert grow_with_portals(settings, 3321) == 5


def test_file_descriptors_bound_the_total() -> None:
    """In a process allowed 1,024 files, the sockets of the requests in flight and of the
    connections kept for them fit beside the files the crawl keeps, and use most of the room."""
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024));"
        "from scrapy.settings import Settings;"
        "from wardcrawler.crawler.concurrency import grow_with_portals;"
        "s = Settings(); s.setmodule('wardcrawler.crawler.settings', priority='project');"
        "print(grow_with_portals(s, 3321))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total = int(run.stdout)
    assert 2 * total + 256 <= 1024 and total >= 300


def test_the_soft_limit_is_raised_to_the_hard_one() -> None:
    code = (
        "import resource; h = resource.getrlimit(resource.RLIMIT_NOFILE)[1];"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (512, h));"
        "from wardcrawler.crawler.concurrency import descriptor_budget; descriptor_budget();"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] == h)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"
