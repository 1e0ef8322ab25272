"""The fake Wayback Machine of the replica wards: CDX API, raw replay, 429s and ground truth."""

from __future__ import annotations

import html
import http.client
import json
import re
import signal
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from wardcrawler.portals.registry import load_wards
from wardcrawler.replica.model import vi_number
from wardcrawler.replica.wayback import WaybackReplica
from wardcrawler.replica.wayback_capture import HOSTS
from wardcrawler.replica.wayback_cdx import digest

HOST = HOSTS["replica-phucloi"]
ALIAS = "phucloi.longbien-alias.example"
EXTERNAL = ("https://www.facebook.com/", "https://twitter.com/")
LINK = re.compile(r"""(?:href|src)="([^"]*)\"""")


@pytest.fixture(scope="module")
def archive() -> Iterator[WaybackReplica]:
    with WaybackReplica(seed=0, rate_limit_every=0) as server:
        yield server


@pytest.fixture(scope="module")
def truth(archive: WaybackReplica) -> dict[str, Any]:
    return archive.ground_truth()


def get(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET; redirects are not followed."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def cdx(archive: WaybackReplica, raw: str = "", **params: str) -> list[list[str]]:
    """Rows of a JSON CDX query (header row included); `raw` is appended to the query as is."""
    query = urlencode({"output": "json", **params}) + raw
    status, _, body = get(archive.url, "/cdx/search/cdx?" + query)
    assert status == 200, body
    return json.loads(body)


def replay(archive: WaybackReplica, stamp: str, url: str) -> tuple[int, dict[str, str], bytes]:
    """Raw replay of one capture."""
    return get(archive.url, f"/web/{stamp}id_/{url}")


def reader_text(page: str) -> str:
    """What a reader sees: scripts and tags dropped, entities decoded, NFC, spaces collapsed."""
    text = re.sub(r"<[^>]+>", "", re.sub(r"<script\b.*?</script>", "", page, flags=re.S))
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def test_cdx_pages_with_resume_keys_return_every_row_once(
    archive: WaybackReplica, truth: dict[str, Any]
) -> None:
    whole = cdx(archive, url=f"{HOST}/", matchType="prefix")
    assert whole[0] == [
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    ]
    rows = whole[1:]
    assert len(rows) == truth["cdx_rows"][HOST] > 100
    assert rows == sorted(rows, key=lambda r: (r[0], r[1]))
    collected: list[list[str]] = []
    key, pages = "", 0
    while True:
        # the key as given, encoded as a parameter value; or once, pasted into the URL as is
        extra = {"resumeKey": key} if key and pages % 2 else {}
        raw = f"&resumeKey={key}" if key and not pages % 2 else ""
        extra |= {"url": f"{HOST}/", "matchType": "prefix", "limit": "17", "showResumeKey": "true"}
        page = cdx(archive, raw, **extra)
        assert page[0] == whole[0]
        if page[-2:-1] == [[]]:
            body, key = page[1:-2], page[-1][0]
        else:
            body, key = page[1:], ""
        assert len(body) == 17 or not key
        collected += body
        pages += 1
        if not key:
            break
    assert collected == rows and pages == -(-len(rows) // 17)
    assert cdx(archive, url=f"{HOST}/", matchType="prefix", limit="5")[-1] != []


def test_from_and_to_filter_by_timestamp_prefix(archive: WaybackReplica) -> None:
    rows = cdx(archive, url=f"{HOST}/", matchType="prefix")[1:]
    months = sorted({r[1][:6] for r in rows})
    assert len(months) >= 3
    early = cdx(archive, url=f"{HOST}/", matchType="prefix", to=months[1])[1:]
    late = cdx(archive, url=f"{HOST}/", matchType="prefix", **{"from": months[2]})[1:]
    assert early and all(r[1][:6] <= months[1] for r in early)
    assert late and all(r[1][:6] >= months[2] for r in late)
    assert len(early) + len(late) == len(rows)
    exact = cdx(archive, url=f"{HOST}/", **{"from": rows[0][1], "to": rows[0][1]})[1:]
    assert [r[1] for r in exact] == [rows[0][1]]
    assert cdx(archive, url=f"{HOST}/", matchType="prefix", **{"from": "2099"}) == []


def test_prefix_match_ignores_scheme_and_www(archive: WaybackReplica, truth: dict) -> None:
    plain = cdx(archive, url=f"{HOST}/", matchType="prefix")
    for url in (f"http://{HOST}/", f"https://www.{HOST}/", f"www.{HOST}", f"{HOST}/*"):
        assert cdx(archive, url=url, matchType="prefix" if "*" not in url else "exact") == plain
    hosts = {urlsplit(r[2]).hostname for r in plain[1:]}
    schemes = {urlsplit(r[2]).scheme for r in plain[1:]}
    assert hosts == {HOST, f"www.{HOST}"} and schemes == {"http", "https"}
    alias = cdx(archive, url=ALIAS, matchType="host")[1:]
    assert alias and all(urlsplit(r[2]).hostname == ALIAS for r in alias)
    assert sum(truth["cdx_rows"].values()) == len(archive.captures)
    assert set(truth["cdx_rows"]) == set(HOSTS.values()) | {ALIAS}


def test_exact_replay_returns_the_stored_capture(archive: WaybackReplica) -> None:
    rows = cdx(archive, url="*.example", fl="timestamp,original,mimetype,statuscode,digest,length")
    by_status = {}
    for row in rows[1:]:
        by_status.setdefault((row[2], row[3]), row)
    assert {"200", "301", "302", "404", "410", "500"} <= {s for _, s in by_status}
    assert {"text/html", "text/plain", "image/gif", "application/pdf"} <= {m for m, _ in by_status}
    for stamp, original, mimetype, status, sha, length in by_status.values():
        code, headers, body = replay(archive, stamp, original)
        assert code == int(status) and headers["Content-Type"].startswith(mimetype)
        assert digest(body) == sha and len(body) == int(length) == int(headers["Content-Length"])
        assert "Memento-Datetime" in headers
        if code in (301, 302):
            assert urlsplit(headers["Location"]).hostname.endswith(".example")


def test_truncated_capture_is_cut_with_an_honest_length(archive: WaybackReplica, truth) -> None:
    cuts = [n for n in truth["not_articles"] if n["reason"] == "truncated"]
    assert len(cuts) >= 1
    for cut in cuts:
        status, headers, body = replay(archive, cut["timestamp"], cut["original"])
        assert status == 200 and int(headers["Content-Length"]) == len(body)
        assert b"</html>" not in body and b"<body>" in body


def test_near_miss_timestamp_redirects_to_the_nearest_capture(
    archive: WaybackReplica, truth: dict[str, Any]
) -> None:
    record = next(
        a
        for a in truth["articles"]
        if len(a["captures"]) >= 2 and len({c["original"] for c in a["captures"]}) == 1
    )
    first, second = record["captures"][:2]
    url = first["original"]
    near_first = str(int(first["timestamp"]) + 1)
    status, headers, _ = replay(archive, near_first, url)
    assert status == 302 and headers["Location"] == f"/web/{first['timestamp']}id_/{url}"
    status, headers, _ = replay(archive, second["timestamp"][:8], url)
    assert status == 302 and headers["Location"] == f"/web/{second['timestamp']}id_/{url}"
    other = ("https://" + url[7:]) if url.startswith("http://") else ("http://" + url[8:])
    status, headers, _ = replay(archive, near_first, other)
    assert status == 302 and headers["Location"].startswith(f"/web/{first['timestamp']}id_/")
    status, headers, body = replay(archive, first["timestamp"], f"http://{HOST}/khong-co-trang-nay")
    assert status == 404 and "Memento-Datetime" not in headers and b"Wayback" in body


def test_every_17th_request_is_429_and_the_retry_succeeds() -> None:
    with WaybackReplica(seed=0) as server:
        path = f"/cdx/search/cdx?url={HOST}/robots.txt&output=json"
        statuses = []
        for _ in range(20):
            status, headers, _ = get(server.url, path)
            statuses.append(status)
            if status == 429:
                assert headers["Retry-After"] == "1"
                assert get(server.url, path)[0] == 200
                break
        assert statuses == [200] * 16 + [429]
        code, _, _ = get(server.url, "/web/2025id_/http://x.example/")
        assert code == 404
        log = server.requests
        assert [r[2] for r in log] == [200] * 16 + [429, 200, 404]
        assert log[16][:2] == ("GET", path)
        server.reset_requests()
        assert server.requests == []


def test_truth_articles_appear_in_their_latest_good_capture(
    archive: WaybackReplica, truth: dict[str, Any]
) -> None:
    counts = Counter(a["ward"] for a in truth["articles"])
    families = {w["family"] for w in truth["wards"] if counts[w["slug"]]}
    assert len(counts) >= 5 and len(families) == 3
    assert all(15 <= n <= 30 for n in counts.values()), counts
    for record in truth["articles"]:
        latest = record["captures"][-1]
        assert (latest["title"], latest["views"]) == (record["title"], record["views"])
        stamps = [c["timestamp"] for c in record["captures"]]
        assert stamps == sorted(stamps)
        status, _, body = replay(archive, latest["timestamp"], latest["original"])
        text = reader_text(body.decode())
        assert status == 200 and record["title"] in text
        assert all(p in text for p in record["body"].split("\n\n"))
        if record["views"] is not None:
            assert f"Lượt xem: {vi_number(record['views'])}" in text
        for name in record["categories"]:
            assert isinstance(name, str) and name
    histories = [a for a in truth["articles"] if len({c["title"] for c in a["captures"]}) > 1]
    assert histories, "some titles change between captures"
    assert any(len({c["views"] for c in a["captures"]}) > 1 for a in truth["articles"])


def test_links_point_to_the_original_hosts(archive: WaybackReplica, truth: dict) -> None:
    hosts = set(HOSTS.values())
    for capture in archive.captures:
        if not capture.content_type.startswith("text/"):
            continue
        page = capture.body.decode()
        assert "127.0.0.1" not in page
        for link in map(html.unescape, LINK.findall(page)):
            if link.startswith(("/", "javascript:")) or link.startswith(EXTERNAL):
                continue
            assert urlsplit(link).hostname in hosts, (capture.original, link)
    stamp, original = cdx(archive, url=f"{HOST}/tin-moi-nhat", fl="timestamp,original")[1]
    assert f'href="http://{HOST}/'.encode() in replay(archive, stamp, original)[2]


def test_not_articles_are_what_they_claim(archive: WaybackReplica, truth: dict) -> None:
    reasons = Counter(n["reason"] for n in truth["not_articles"])
    assert set(reasons) == {"error", "redirect", "soft404", "non-html", "truncated"}
    good = {(c["timestamp"], c["original"]) for a in truth["articles"] for c in a["captures"]}
    for item in truth["not_articles"]:
        assert (item["timestamp"], item["original"]) not in good
        status, headers, body = replay(archive, item["timestamp"], item["original"])
        assert status == item["status"]
        if item["reason"] == "error":
            assert status in (404, 410, 500)
        elif item["reason"] == "redirect":
            assert status in (301, 302) and urlsplit(headers["Location"]).scheme in (
                "http",
                "https",
            )
        elif item["reason"] == "soft404":
            assert status == 200 and "Không tìm thấy trang" in body.decode()
        elif item["reason"] == "non-html":
            assert status == 200 and not headers["Content-Type"].startswith("text/html")
            assert re.search(r"/(image|documents)/|/robots\.txt$", item["original"])


def test_registry_loads_and_uses_original_hosts(archive: WaybackReplica, tmp_path: Path) -> None:
    archive.write(tmp_path)
    wards = load_wards(tmp_path / "wards.toml")
    assert {w.slug: urlsplit(w.url).hostname for w in wards} == HOSTS
    phucloi = next(w for w in wards if w.slug == "replica-phucloi")
    assert phucloi.aliases == (ALIAS,) and phucloi.categories
    assert any(w.categories is None for w in wards)
    written = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(archive.ground_truth()))
    assert "Phường" in (tmp_path / "truth.json").read_text(encoding="utf-8")


def test_same_seed_same_archive() -> None:
    def fingerprint(archive: WaybackReplica) -> list[tuple[str, str, str]]:
        return [(c.timestamp, c.original, digest(c.body)) for c in archive.captures]

    one, two, other = WaybackReplica(seed=0), WaybackReplica(seed=0), WaybackReplica(seed=1)
    assert fingerprint(one) == fingerprint(two)
    assert one.ground_truth() == two.ground_truth()
    assert fingerprint(one) != fingerprint(other)


def test_cli_serves_the_web_archive_until_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wardcrawler", "replica", "--web-archive", "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        status, _, body = get(url, f"/cdx/search/cdx?url={HOST}/robots.txt&output=json")
        assert status == 200 and json.loads(body)[1][2] == f"http://{HOST}/robots.txt"
        assert (tmp_path / "wards.toml").exists() and (tmp_path / "truth.json").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()
