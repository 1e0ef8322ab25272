"""How many requests a crawl keeps in flight: one per portal, all portals at once.

Politeness is per portal (`CONCURRENT_REQUESTS_PER_DOMAIN`, `DOWNLOAD_DELAY`); the total only
decides whether one portal waits on another. It grows with the registry, bounded by
`WARDCRAWLER_MAX_CONCURRENT_REQUESTS` and by the file descriptors the process may open (each
request in flight holds a socket, and each portal keeps one idle connection between requests).
A `CONCURRENT_REQUESTS` given on the command line (`-s`) is kept as it is.
"""

from __future__ import annotations

import resource

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

RESERVED_DESCRIPTORS = 256  # the archive, WARC files, logs, Python's own
SOCKETS_PER_PORTAL = 2  # the request in flight and the connection kept for the next one


def descriptor_budget() -> int:
    """Requests in flight the process's file descriptors allow (the soft limit is first raised
    to the hard one, as servers do)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return max(1, (soft - RESERVED_DESCRIPTORS) // SOCKETS_PER_PORTAL)


def grow_with_portals(settings: BaseSettings, portals: int) -> int:
    """Set `CONCURRENT_REQUESTS` for a crawl of `portals` portals (unless given on the command
    line, or the settings are already frozen); returns the total in flight."""
    given = (settings.getpriority("CONCURRENT_REQUESTS") or 0) >= SETTINGS_PRIORITIES["cmdline"]
    if given or settings.frozen:
        return settings.getint("CONCURRENT_REQUESTS")
    cap = settings.getint("WARDCRAWLER_MAX_CONCURRENT_REQUESTS", 4096)
    total = max(1, min(portals, cap, descriptor_budget()))
    settings.set("CONCURRENT_REQUESTS", total, priority="spider")
    return total
