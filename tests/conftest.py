"""Shared fixtures: the replica portals, and one real crawl of them run as a subprocess."""

from __future__ import annotations

import json

import pytest

from tests.helpers import FAST, Crawl, run_cli
from wardcrawler.replica import ReplicaServer


@pytest.fixture(scope="session")
def replica():
    with ReplicaServer(slow_seconds=1.0) as server:
        yield server


@pytest.fixture(scope="session")
def crawl(replica, tmp_path_factory) -> Crawl:
    folder = tmp_path_factory.mktemp("crawl")
    replica.write(folder)
    db = folder / "wards.db"
    registry = folder / "wards.toml"
    result = run_cli("crawl", "--wards", str(registry), "--db", str(db), *FAST)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return Crawl(db, registry, truth, replica, result)
