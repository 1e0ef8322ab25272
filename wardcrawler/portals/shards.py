"""Shards of the registry: a stable share of the portals for each of N workers.

A ward's shard is a hash of its slug (SHA-1, not Python's salted `hash`), so it is the same on
every machine and every night: a portal is crawled by one worker only, and politeness per portal
(one request in flight, a pause between requests) holds across workers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, slug: str) -> bool:
        """Whether the ward `slug` is in this shard."""
        return shard_index(slug, self.count) == self.index

    @property
    def label(self) -> str:
        """A name for files of this shard: `shard-1-of-3`."""
        return f"shard-{self.index}-of-{self.count}"


def shard_index(slug: str, count: int) -> int:
    """The shard (1 to `count`) the ward `slug` belongs to."""
    digest = hashlib.sha1(slug.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """`K/N` (1 <= K <= N) as a Shard; ValueError saying what is wrong otherwise."""
    match = SHARD_RE.match(text or "")
    if not match:
        raise ValueError(f"shard {text!r} is not K/N (for example 2/3)")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise ValueError(f"shard {text!r}: K must be between 1 and N")
    return Shard(index, count)


def all_shards(count: int) -> list[Shard]:
    """Shards 1/N to N/N."""
    return [Shard(index, count) for index in range(1, count + 1)]
