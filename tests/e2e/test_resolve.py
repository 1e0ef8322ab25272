"""End to end: `crawl --resolve` sends a real host's requests to a local portal, Host kept.

Replica wards are served under made-up gov.vn host names (their pages link those names); the
crawl maps two of them to the replica's loopback ports with --resolve / --resolve-file and
leaves a third unmapped: nothing is resolved for it (no DNS query), and its requests fail as a
host name not found.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.helpers import FAST, query, run_cli
from wardcrawler.replica import ReplicaServer

MAPPED = ("replica-phucloi", "replica-hanoi-phucloi")  # a Liferay ward (absolute links), a new one
UNMAPPED = "replica-dongda"


def fake_host(slug: str) -> str:
    return slug.removeprefix("replica-") + ".wardcrawler-test.gov.vn"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resolve")
    with ReplicaServer() as replica:
        ports = {}
        for site in replica.sites:
            ports[site.slug] = urlsplit(site.url).port
            site.url = f"http://{fake_host(site.slug)}/"
        replica.write(folder)
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        first, second = MAPPED
        (folder / "hosts.txt").write_text(
            f"# the Liferay ward\n{fake_host(first)}=127.0.0.1:{ports[first]}\n", encoding="utf-8"
        )
        db = folder / "wards.db"
        wards = [arg for slug in (*MAPPED, UNMAPPED) for arg in ("--ward", slug)]
        result = run_cli(
            "crawl", "--wards", str(folder / "wards.toml"), "--db", str(db), *wards, *FAST,
            "--resolve-file", str(folder / "hosts.txt"),
            "--resolve", f"{fake_host(second)}=127.0.0.1:{ports[second]}",
        )  # fmt: skip
        yield {"db": db, "truth": truth, "result": result, "requests": replica.requests}


def test_the_mapped_wards_are_crawled_under_their_own_host_names(crawled):
    stored = query(crawled["db"], "select ward, article_key, url from articles")
    for slug in MAPPED:
        expected = {a["key"] for a in crawled["truth"]["articles"] if a["ward"] == slug}
        got = [r for r in stored if r["ward"] == slug]
        assert {r["article_key"] for r in got} == expected, slug
        assert {urlsplit(r["url"]).hostname for r in got} == {fake_host(slug)}


def test_an_unmapped_host_is_not_resolved_and_its_failure_recorded(crawled):
    assert crawled["result"].returncode == 3, crawled["result"].stderr[-1500:]  # a broken ward
    errors = query(
        crawled["db"], "select url, reason from fetch_errors where ward = ?", (UNMAPPED,)
    )
    assert errors and all("host name not found" in e["reason"] for e in errors), errors
    assert not [r for r in crawled["requests"] if r[0] == UNMAPPED]


def test_a_bad_resolve_entry_is_a_usage_error(tmp_path):
    result = run_cli("crawl", "--resolve", "phucloi.hanoi.gov.vn=localhost:80", "--db",
                     str(tmp_path / "x.db"))  # fmt: skip
    assert result.returncode == 2
    assert "not an IP address" in result.stderr
