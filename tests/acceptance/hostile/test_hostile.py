"""The hostile web: nothing lost silently, nothing foreign archived, no way to knock the site over.

Written from the issue, FAMILIES.md and README.md only. One crawl (and a second, incremental one)
of the adversarial portals of ``portal.py``, run as real subprocesses of the CLI; the archive is
read with sqlite3 and compared with the portals' own ground truth; then the archive is served
with ``wardcrawler serve --public`` and its captures, feeds and search are probed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from .harness import (
    C0,
    README,
    Run,
    Served,
    documented_exit_codes,
    find_text,
    free_port,
    http_get,
    peak_rss_kb,
    query,
    run_cli,
    run_cli_disk_full,
    tables,
    unwritable,
)
from .portal import (
    ALIAS_ARTICLES,
    ALIAS_HOST,
    ALIAS_LISTED,
    ALIAS_REDIRECTED,
    ALIAS_WARD,
    CASE_BY_SLUG,
    CASES,
    CLI_ARTICLES,
    CRAWL_DELAY,
    DOC_BOMB_NAME,
    DOC_HUGE_NAME,
    DOC_OFFSITE,
    DOC_OWN,
    FAILED,
    FOREIGN_HOST,
    FOREIGN_PDF,
    FOREIGN_TOKEN,
    HOSTILE_WARD,
    PAGER_CAP,
    PAGER_QUIET,
    PAGER_WARD,
    QUIRKS_ARTICLES,
    QUIRKS_RELATIVE,
    QUIRKS_WARD,
    R_BOMB,
    R_FFFD,
    R_FUTURE_DATE,
    R_IMPOSSIBLE_DATE,
    R_OFFSITE,
    R_ROBOTS,
    R_SIZE,
    ROBOTS_ALLOWED,
    ROBOTS_DISALLOWED,
    ROBOTS_WARD,
    STORED,
    STORED_OR_FAILED,
    TLS_ARTICLES,
    TLS_WARD,
    Case,
    HanoiArticle,
    HostilePortals,
    Record,
    RequestLog,
    cli_site,
    legacy_tls_context,
    liferay_article_path,
    make_legacy_certificate,
    pager_page,
    pager_pages_requested,
    registry_toml,
)

pytestmark = pytest.mark.timeout(600)

MAX_LISTING_PAGES = 5
MAX_CRAWL_DELAY = 1  # README: Crawl-delay honoured up to WARDCRAWLER_MAX_CRAWL_DELAY
CRAWL_SETTINGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_TIMEOUT=3",
    "-s",
    f"WARDCRAWLER_MAX_LISTING_PAGES={MAX_LISTING_PAGES}",
    "-s",
    f"WARDCRAWLER_MAX_CRAWL_DELAY={MAX_CRAWL_DELAY}",
]
CRAWLER_PEAK_LIMIT_KB = 1_500_000  # ~1.5 GB
SERVER_PEAK_LIMIT_KB = 1_000_000  # ~1 GB
CRAWL_SECONDS_LIMIT = 120
STALL_SECONDS_LIMIT = 8.0
CAPTURE_BODY_LIMIT = 256 * 1024 * 1024
DB_NAME = "hostile"


# --------------------------------------------------------------------------------------------
# The crawl, once for the module
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    tmp: Path
    db: Path
    warc: Path
    registry: Path
    portals: HostilePortals
    run1: Run
    run2: Run
    records1: list[Record]
    records2: list[Record]
    articles: list[dict]
    errors: list[dict]  # fetch_errors without their html
    captures: list[dict]
    attachments: list[dict]

    def ward_articles(self, ward: str) -> list[dict]:
        return [a for a in self.articles if a.get("ward") == ward]

    def errors_for(self, needle: str) -> list[dict]:
        return [e for e in self.errors if needle in (e.get("url") or "")]

    def liferay_row(self, slug: str) -> dict | None:
        rows = [a for a in self.ward_articles(HOSTILE_WARD) if liferay_slug(a) == slug]
        assert len(rows) <= 1, f"{slug}: {len(rows)} article rows for one portal article"
        return rows[0] if rows else None

    def hanoi_row(self, ward: str, art: HanoiArticle) -> dict | None:
        rows = [a for a in self.ward_articles(ward) if hanoi_id(a) == art.id]
        assert len(rows) <= 1, f"{art.path}: {len(rows)} article rows for one portal article"
        return rows[0] if rows else None


def liferay_slug(row: dict) -> str | None:
    q = parse_qs(urlsplit(row.get("url") or "").query)
    if "_101_urlTitle" in q:
        return q["_101_urlTitle"][0]
    key = str(row.get("article_key") or "")
    return re.split(r"[/:]", key)[-1] or None


def hanoi_id(row: dict) -> str | None:
    m = re.search(r"-(\d{10,})\.htm$", urlsplit(row.get("url") or "").path)
    if m:
        return m.group(1)
    m = re.search(r"(\d{10,})$", str(row.get("article_key") or ""))
    return m.group(1) if m else None


def _load(db: Path, table: str, skip: tuple[str, ...] = ()) -> list[dict]:
    cols = tables(db).get(table)
    if cols is None:
        return []
    wanted = ", ".join(f'"{c}"' for c in cols if c not in skip)
    return query(db, f'SELECT {wanted} FROM "{table}"')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    tls = None
    cert = make_legacy_certificate(tmp)
    if cert is not None:
        tls = legacy_tls_context(*cert)
    with HostilePortals(tls=tls) as portals:
        registry = tmp / "wards.toml"
        registry.write_text(registry_toml(portals.wards()), "utf-8")
        db = tmp / f"{DB_NAME}.db"
        args = ["crawl", "--wards", str(registry), "--db", str(db), *CRAWL_SETTINGS]
        run1 = run_cli(args, tmp, timeout=300)
        records1 = portals.log.snapshot(phase=1)
        portals.log.phase = 2  # one night later: hx-gone-offsite-later now redirects away
        run2 = run_cli(args, tmp, timeout=240)
        records2 = portals.log.snapshot(phase=2)
        if not db.exists():
            pytest.fail(f"the crawl wrote no database {db}\n{run1.describe()}")
        yield World(
            tmp=tmp,
            db=db,
            warc=tmp / "warc",
            registry=registry,
            portals=portals,
            run1=run1,
            run2=run2,
            records1=records1,
            records2=records2,
            articles=_load(db, "articles"),
            errors=_load(db, "fetch_errors", skip=("html",)),
            captures=_load(db, "captures"),
            attachments=_load(db, "attachments"),
        )


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def _posted(row: dict) -> datetime | None | str:
    value = row.get("posted_at")
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return f"unparsable {value!r}"


def differences(row: dict, title: str, posted, views, body: str) -> list[str]:
    """What in ``row`` differs from the truth."""
    out = []
    if row.get("title") != title:
        out.append(f"title: expected {title!r}, got {row.get('title')!r}")
    got = _posted(row)
    if posted is not None and got != posted:
        out.append(f"posted_at: expected {posted.isoformat()}, got {row.get('posted_at')!r}")
    if isinstance(got, datetime) and got.tzinfo is None:
        out.append(f"posted_at without a UTC offset: {row.get('posted_at')!r}")
    if row.get("views") != views:
        out.append(f"views: expected {views!r}, got {row.get('views')!r}")
    if row.get("body") != body:
        got_body = row.get("body") or ""
        out.append(
            f"body: expected {len(body)} chars starting {body[:80]!r}, got {len(got_body)} chars "
            f"starting {got_body[:80]!r} ending {got_body[-80:]!r}"
        )
    return out


def case_differences(row: dict, case: Case) -> list[str]:
    return differences(row, case.title, case.posted, case.views, case.body)


def hanoi_differences(row: dict, art: HanoiArticle) -> list[str]:
    return differences(row, art.title, art.posted, None, art.body)


def case_url(world: World, case: Case) -> str:
    return world.portals.hostile.base + liferay_article_path(case.slug)


def reasons(errs: list[dict]) -> list[str]:
    return [str(e.get("reason") or "") for e in errs]


def plain(text: str) -> str:
    """A reason without the URLs and slugs it quotes: their words must not count as its own."""
    text = re.sub(r"\b[a-z][\w+.-]*://\S+|//\S+", " ", text or "", flags=re.I)
    return re.sub(r"hx-[\w-]+", " ", text)


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, plain(text), flags=re.I) is not None


# --------------------------------------------------------------------------------------------
# The suite's own soundness, and the exit codes
# --------------------------------------------------------------------------------------------


def test_portal_itself_is_sound(world):
    assert not world.portals.log.errors, f"the fault server has bugs: {world.portals.log.errors}"
    for slug in ("hx-cp1258-header-utf8", "hx-cp1258-undeclared", "hx-cp1258-meta"):
        body = world.portals.hostile.bodies[slug]
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
    assert world.records1, "the crawl sent no request at all"


def test_registry_of_the_suite_is_accepted(world):
    run = run_cli(["wards", "--wards", str(world.registry)], world.tmp / "wards-ok", timeout=60)
    assert run.returncode == 0, run.describe()
    for slug in (HOSTILE_WARD, PAGER_WARD, ROBOTS_WARD):
        assert slug in run.stdout, f"`wardcrawler wards` does not list {slug}: {run.stdout!r}"


def test_first_crawl_exits_0(world):
    run = world.run1
    assert not run.timed_out, run.describe()
    assert run.returncode == 0, (
        "individual page failures belong in fetch_errors; every ward yields its control "
        f"articles, so the run should be healthy (exit 0)\n{run.describe()}"
    )


def test_second_crawl_exits_0(world):
    run = world.run2
    assert not run.timed_out, run.describe()
    assert run.returncode == 0, run.describe()


# --------------------------------------------------------------------------------------------
# 1. Nothing foreign
# --------------------------------------------------------------------------------------------


def test_foreign_host_never_contacted(world):
    hits = [r for r in world.records1 + world.records2 if r.site == "foreign"]
    assert not hits, (
        f"requests reached the foreign host {FOREIGN_HOST} (README: links and redirects are "
        f"followed only within the ward's hosts; the pager ward's robots.txt answers 302 to "
        f"the foreign /robots.txt): {[r.path[-70:] for r in hits]}"
    )


LOCAL_SECRET = "root:x:0:0:"  # the first line of /etc/passwd, where hx-redirect-file points


def test_no_foreign_content_in_the_archive(world):
    hits = find_text(world.db, FOREIGN_TOKEN) + find_text(world.db, "NỘI DUNG NGOẠI LAI")
    hits += find_text(world.db, LOCAL_SECRET)
    assert not hits, f"content of the foreign host {FOREIGN_HOST} is stored in: {hits}"
    foreign_rows = [
        a["url"] for a in world.articles if urlsplit(a.get("url") or "").hostname == FOREIGN_HOST
    ]
    assert not foreign_rows, f"article rows on the foreign host: {foreign_rows}"
    foreign_captures = [
        c["url"] for c in world.captures if urlsplit(c.get("url") or "").hostname == FOREIGN_HOST
    ]
    assert not foreign_captures, f"captures of foreign responses: {foreign_captures}"
    sha = hashlib.sha256(FOREIGN_PDF).hexdigest()
    assert not [a for a in world.attachments if a.get("sha256") == sha], (
        "the foreign host's document is stored as an attachment"
    )


def _gunzip_stream(path: Path):
    d = zlib.decompressobj(31)
    with open(path, "rb") as f:
        data = f.read(1 << 20)
        while data:
            out = d.decompress(data, 1 << 24)
            if out:
                yield out
            if d.eof:
                data = d.unused_data
                d = zlib.decompressobj(31)
                if not data:
                    data = f.read(1 << 20)
            elif d.unconsumed_tail:
                data = d.unconsumed_tail
            else:
                data = f.read(1 << 20)


def test_no_foreign_content_in_the_warc_files(world):
    files = sorted(p for p in world.warc.rglob("*") if p.is_file() and ".warc" in p.name)
    assert files, f"no WARC file under {world.warc} (README: every response is kept)"
    tokens = (FOREIGN_TOKEN.encode(), LOCAL_SECRET.encode())
    for path in files:
        tail = b""
        stream = _gunzip_stream(path) if path.name.endswith(".gz") else iter([path.read_bytes()])
        for chunk in stream:
            window = tail + chunk
            for token in tokens:
                assert token not in window, f"{path.name} holds {token!r}: not the ward's content"
            tail = window[-32:]


def test_listing_link_to_foreign_host_not_followed(world):
    hits = [r.path for r in world.records1 if r.site == "foreign" and "hx-listed-offsite" in r.path]
    assert not hits, f"a listing link to {FOREIGN_HOST} was fetched: {hits}"
    rows = [a for a in world.articles if "hx-listed-offsite" in (a.get("url") or "")]
    assert not rows, f"the foreign listing link became an article: {rows}"


def test_article_redirected_away_later_is_a_tombstone(world):
    case = CASE_BY_SLUG["hx-gone-offsite-later"]
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    assert row is not None, f"{url}: stored by neither crawl (it was a normal page in the first)"
    assert not case_differences(row, case), (
        f"{url}: the archived text changed after it redirected away: {case_differences(row, case)}"
    )
    refetched = [r for r in world.records2 if r.site == "hostile" and case.slug in r.path]
    assert refetched, f"{url}: posted 3 days ago, yet not fetched again by the incremental run"
    assert row.get("gone_at"), f"{url} now answers 301 to {FOREIGN_HOST}: gone_at not set: {row}"
    assert row.get("gone_status") == 301, f"{url}: gone_status expected 301, got {row}"
    assert FOREIGN_HOST in str(row.get("gone_location") or ""), (
        f"{url}: gone_location should be the foreign URL, got {row.get('gone_location')!r}"
    )


def _attachments_of(world: World, slug: str) -> list[dict]:
    row = world.liferay_row(slug)
    assert row is not None, f"{slug} (the article with documents) is not stored"
    return [a for a in world.attachments if a.get("article_id") == row["id"]]


def test_own_document_downloaded(world):
    atts = [a for a in _attachments_of(world, "hx-tai-lieu") if DOC_OWN.name in a["url"]]
    assert atts, f"no attachments row for {DOC_OWN.path}"
    assert atts[0].get("sha256") == DOC_OWN.sha256, f"{DOC_OWN.path}: {atts[0]}"
    assert atts[0].get("size") == len(DOC_OWN.body), atts[0]


def test_document_redirected_off_site_not_stored_and_recorded(world):
    atts = [a for a in _attachments_of(world, "hx-tai-lieu") if DOC_OFFSITE.name in a["url"]]
    for a in atts:
        assert a.get("sha256") != hashlib.sha256(FOREIGN_PDF).hexdigest(), a
        assert a.get("sha256") is None, f"{DOC_OFFSITE.path} redirects off-site, yet: {a}"
    errs = world.errors_for(DOC_OFFSITE.name)
    assert errs, f"{DOC_OFFSITE.path} (302 to {FOREIGN_HOST}): no fetch_errors row"
    assert any(matches(R_OFFSITE, r) for r in reasons(errs)), reasons(errs)
    assert not any(matches(R_ROBOTS, r) for r in reasons(errs)), reasons(errs)


def test_document_gzip_bomb_recorded(world):
    atts = [a for a in _attachments_of(world, "hx-tai-lieu") if DOC_BOMB_NAME in a["url"]]
    for a in atts:
        assert a.get("sha256") is None, f"{DOC_BOMB_NAME} is a 4 GB gzip bomb: {a}"
    errs = world.errors_for(DOC_BOMB_NAME)
    assert errs, f"{DOC_BOMB_NAME} (gzip bomb): no fetch_errors row"
    assert any(matches(R_BOMB, r) for r in reasons(errs)), reasons(errs)
    assert not any(matches(R_ROBOTS, r) for r in reasons(errs)), reasons(errs)


def test_document_too_large_recorded(world):
    atts = [a for a in _attachments_of(world, "hx-tai-lieu") if DOC_HUGE_NAME in a["url"]]
    for a in atts:
        assert a.get("sha256") is None, (
            f"{DOC_HUGE_NAME} is 25 MB, over the documented 20,000,000-byte limit: {a}"
        )
    errs = world.errors_for(DOC_HUGE_NAME)
    assert errs, f"{DOC_HUGE_NAME} (25 MB > WARDCRAWLER_ATTACHMENT_MAX_BYTES): no fetch_errors row"
    assert any(matches(R_SIZE, r) for r in reasons(errs)), reasons(errs)
    assert not any(matches(R_ROBOTS, r) for r in reasons(errs)), reasons(errs)


# --------------------------------------------------------------------------------------------
# 2. Nothing lost silently
# --------------------------------------------------------------------------------------------


STORED_CASES = [c for c in CASES if c.expect == STORED]
FAULT_CASES = [c for c in CASES if c.expect in (FAILED, STORED_OR_FAILED)]


@pytest.mark.parametrize("case", STORED_CASES, ids=lambda c: c.slug)
def test_page_stored_exactly(world, case):
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    assert row is not None, (
        f"{url} ({case.fault}) is not stored; fetch_errors: {reasons(world.errors_for(case.slug))}"
    )
    diffs = case_differences(row, case)
    assert not diffs, f"{url} ({case.fault}): " + "; ".join(diffs)
    assert "\ufffd" not in (row.get("title") or "") + (row.get("body") or ""), row
    if case.fault == "control":
        assert not world.errors_for(case.slug), (
            f"{url} is a well-formed page, yet: {reasons(world.errors_for(case.slug))}"
        )


@pytest.mark.parametrize("case", FAULT_CASES, ids=lambda c: c.slug)
def test_fault_page_stored_correctly_or_recorded(world, case):
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    diffs = case_differences(row, case) if row is not None else ["not stored"]
    errs = world.errors_for(case.slug)
    if case.expect == FAILED:
        assert row is None, f"{url} ({case.fault}) must not be stored, got {row}"
    elif not diffs:
        return  # stored correctly
    assert errs, (
        f"{url} ({case.fault}) vanished silently: neither stored correctly ({'; '.join(diffs)}) "
        "nor recorded in fetch_errors"
    )
    assert any(matches(case.reason, r) for r in reasons(errs)), (
        f"{url} ({case.fault}): expected a reason matching /{case.reason}/, got {reasons(errs)}"
    )
    assert not any(matches(R_ROBOTS, r) for r in reasons(errs)), (
        f"{url} ({case.fault}) was not refused by robots.txt, got {reasons(errs)}"
    )


def test_robots_reason_only_for_robots_refusals(world):
    disallowed = {a.path for a in ROBOTS_DISALLOWED}
    wrong = [
        (e["url"], e["reason"])
        for e in world.errors
        if matches(R_ROBOTS, str(e.get("reason")))
        and urlsplit(e.get("url") or "").path not in disallowed
    ]
    assert not wrong, f"failures reported as robots.txt refusals that were not: {wrong}"


def test_robots_disallowed_pages_recorded_and_never_requested(world):
    base = world.portals.robots.base
    for art in ROBOTS_DISALLOWED:
        hits = [
            r for r in world.records1 + world.records2 if r.site == "robots" and r.path == art.path
        ]
        assert not hits, f"{base}{art.path} is disallowed by robots.txt, yet it was requested"
        assert world.hanoi_row(ROBOTS_WARD, art) is None, f"{art.path} stored"
        errs = world.errors_for(art.path)
        assert errs, f"{base}{art.path}: refused by robots.txt, no fetch_errors row"
        assert any(matches(R_ROBOTS, r) for r in reasons(errs)), reasons(errs)


def test_robots_allowed_pages_stored(world):
    for art in ROBOTS_ALLOWED:
        row = world.hanoi_row(ROBOTS_WARD, art)
        assert row is not None, f"{world.portals.robots.base}{art.path} not stored"
        assert not hanoi_differences(row, art), f"{art.path}: {hanoi_differences(row, art)}"


def test_crawl_delay_honoured(world):
    starts = sorted(
        r.start for r in world.records1 if r.site == "robots" and r.path != "/robots.txt"
    )
    assert len(starts) >= 3, f"too few requests to the robots ward: {len(starts)}"
    gaps = [round(b - a, 3) for a, b in zip(starts, starts[1:], strict=False)]
    print(f"robots ward: seconds between requests {gaps}")
    assert min(gaps) >= 0.45 * CRAWL_DELAY, (
        f"robots.txt declares Crawl-delay: {CRAWL_DELAY}; seconds between requests: {gaps}"
    )


def test_no_generic_reasons(world):
    vague = [
        (e["url"], e["reason"])
        for e in world.errors
        if not (e.get("reason") or "").strip()
        or re.fullmatch(
            r"\W*(error|failed|failure|ignorerequest|ignored|exception)\W*", e["reason"], re.I
        )
    ]
    assert not vague, f"fetch_errors reasons a person cannot act on: {vague}"


def test_pager_ward_articles_stored(world):
    pages = sorted(set(pager_pages_requested(world.records1)))
    assert pages, "the endless pager was not read at all"
    for page in pages:
        for art in pager_page(page):
            row = world.hanoi_row(PAGER_WARD, art)
            assert row is not None, (
                f"{world.portals.pager.base}{art.path} (page {page}) not stored: "
                f"{reasons(world.errors_for(art.path))}"
            )
            assert not hanoi_differences(row, art), f"{art.path}: {hanoi_differences(row, art)}"
    for art in PAGER_QUIET:
        row = world.hanoi_row(PAGER_WARD, art)
        assert row is not None, (
            f"{world.portals.pager.base}{art.path} not stored: {reasons(world.errors_for(art.path))}"
            " (the ward's robots.txt redirects to the foreign host, whose rules disallow "
            "/dang-doan-the/: they are not the ward's rules)"
        )
        assert not hanoi_differences(row, art), f"{art.path}: {hanoi_differences(row, art)}"


def test_base_href_ward_stored(world):
    """Listing with <base href=foreign>, absolute links home, a robots.txt that is a gzip bomb."""
    for art in QUIRKS_ARTICLES:
        row = world.hanoi_row(QUIRKS_WARD, art)
        assert row is not None, (
            f"{world.portals.quirks.base}{art.path} not stored (robots.txt is a 4 GB gzip bomb: "
            f"unreadable, so nothing is refused); fetch_errors: {reasons(world.errors_for(art.path))}"
        )
        assert not hanoi_differences(row, art), f"{art.path}: {hanoi_differences(row, art)}"
    for art in QUIRKS_RELATIVE:  # resolves to the foreign host under <base>, home without
        row = world.hanoi_row(QUIRKS_WARD, art)
        if row is not None:
            assert urlsplit(row["url"]).hostname == "127.0.0.1", row["url"]
            assert not hanoi_differences(row, art), hanoi_differences(row, art)


def test_noncharacters_stored_and_feed_stays_xml(world):
    case = CASE_BY_SLUG["hx-noncharacter"]
    row = world.liferay_row(case.slug)
    assert row is not None, f"{case_url(world, case)} not stored"
    title = " ".join((row.get("title") or "").replace("\uffff", "").replace("\ufffe", "").split())
    assert title == case.title, f"{case_url(world, case)}: title {row.get('title')!r}"


def test_views_overflow_does_not_crash(world):
    case = CASE_BY_SLUG["hx-views-overflow"]
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    errs = reasons(world.errors_for(case.slug))
    assert row is not None, f"{url} not stored" + (
        f": {errs}" if errs else ", silently (no fetch_errors row)"
    )
    assert row.get("title") == case.title and row.get("body") == case.body, row
    assert row.get("views") in (None, case.views), (
        f"{url}: a counter of {case.views_text} stored as {row.get('views')!r}"
    )


def test_no_unhandled_exceptions_in_the_crawls(world):
    for run_id in (1, 2):
        rows = query(world.db, "SELECT stats FROM crawl_runs WHERE id = ?", (run_id,))
        assert rows, f"no crawl_runs row {run_id}"
        stats = json.loads(rows[0]["stats"] or "{}")
        bad = {
            k: v for k, v in stats.items() if k.startswith("spider_exceptions/") or "CRITICAL" in k
        }
        assert not bad, f"run {run_id}: unhandled exceptions while reading pages: {bad}"


def test_alias_host_followed(world):
    base = world.portals.alias.base
    for art in ALIAS_ARTICLES:
        row = world.hanoi_row(ALIAS_WARD, art)
        assert row is not None, (
            f"{base}{art.path} not stored ({ALIAS_HOST} is an alias of the ward; "
            f"{ALIAS_LISTED.slug} is listed there, {ALIAS_REDIRECTED.slug} redirects there): "
            f"{reasons(world.errors_for(art.path))}"
        )
        assert not hanoi_differences(row, art), f"{art.path}: {hanoi_differences(row, art)}"


def test_crawl_delay_capped(world):
    starts = sorted(
        r.start for r in world.records1 if r.site == "alias" and not r.path.endswith("robots.txt")
    )
    assert len(starts) >= 3, f"too few requests to the alias ward: {len(starts)}"
    gaps = [round(b - a, 2) for a, b in zip(starts, starts[1:], strict=False)]
    print(f"alias ward: seconds between requests {gaps}")
    assert max(gaps) <= 1.5 * MAX_CRAWL_DELAY + 1.0, (
        f"robots.txt asks Crawl-delay: 86400, -s WARDCRAWLER_MAX_CRAWL_DELAY={MAX_CRAWL_DELAY}: "
        f"seconds between requests {gaps}"
    )


# --------------------------------------------------------------------------------------------
# 3. Bounded everywhere
# --------------------------------------------------------------------------------------------


def _limit_spellings(n: int) -> list[str]:
    out = [str(n), f"{n:,}", f"{n:_}"]
    for unit, size in (("MB", 10**6), ("MiB", 2**20), ("KB", 10**3), ("KiB", 2**10)):
        if n % size == 0 or n >= 10 * size:
            out.append(f"{n / size:g} {unit}")
    return out


def test_size_limits_named_in_reasons_are_documented(world):
    """The issue: "set and document a size limit". Every limit a reason quotes is in the README."""
    text = README.read_text("utf-8")
    undocumented = {}
    for e in world.errors:
        for m in re.finditer(r"limit(?: of)? (\d{4,})", plain(e.get("reason") or "")):
            n = int(m.group(1))
            if not any(s in text for s in _limit_spellings(n)):
                undocumented[n] = e["reason"]
    assert not undocumented, (
        f"size limits quoted by fetch_errors but not in README.md: {undocumented}"
    )


def test_crawler_memory_bounded(world):
    peak = world.run1.peak_rss_kb
    print(
        f"crawler peak RSS: {peak / 1024:.0f} MiB; run 2: {world.run2.peak_rss_kb / 1024:.0f} MiB"
    )
    assert 0 < peak < CRAWLER_PEAK_LIMIT_KB, (
        f"crawler peak RSS {peak / 1024:.0f} MiB (limit {CRAWLER_PEAK_LIMIT_KB / 1024:.0f} MiB) "
        "under a 4 GB gzip bomb and 30-60 MB pages"
    )


def test_crawl_duration_bounded(world):
    assert world.run1.seconds < CRAWL_SECONDS_LIMIT, (
        f"the crawl took {world.run1.seconds:.0f} s (limit {CRAWL_SECONDS_LIMIT} s)"
    )


def test_no_page_stalls_the_crawl(world):
    """Between the first and last request, never seconds without any request in flight."""
    spans = sorted((r.start, r.end or r.start, r) for r in world.records1)
    worst, before = 0.0, None
    reach, last = spans[0][1], spans[0][2]
    for start, end, rec in spans[1:]:
        if start - reach > worst:
            worst, before = start - reach, last
        if end > reach:
            reach, last = end, rec
    print(f"longest time without a request in flight: {worst:.2f} s")
    assert worst < STALL_SECONDS_LIMIT, (
        f"no request in flight to any portal for {worst:.1f} s after {before.site} {before.path[:120]} "
        f"(limit {STALL_SECONDS_LIMIT} s): extraction blocks the crawl"
    )


def test_reparse_survives_the_warc(world):
    rebuilt = world.tmp / "rebuilt.db"
    run = run_cli(
        ["reparse", "--warc-dir", str(world.warc), "--db", str(rebuilt)],
        world.tmp / "reparse",
        timeout=240,
    )
    assert not run.timed_out, run.describe()
    assert "Traceback" not in run.output, run.describe()
    assert run.returncode in (0, 3), run.describe()
    assert run.peak_rss_kb < CRAWLER_PEAK_LIMIT_KB, (
        f"reparse peak RSS {run.peak_rss_kb / 1024:.0f} MiB over the gzip bomb's capture"
    )
    rows = query(rebuilt, "SELECT * FROM articles WHERE ward = ?", (HOSTILE_WARD,))
    got = {liferay_slug(r): r for r in rows}
    for case in STORED_CASES:
        assert case.slug in got, f"reparse lost {case.slug}"
        assert not case_differences(got[case.slug], case), case_differences(got[case.slug], case)
    assert not find_text(rebuilt, FOREIGN_TOKEN), "reparse stored foreign content"


# --------------------------------------------------------------------------------------------
# 4. Encodings and control characters
# --------------------------------------------------------------------------------------------


def test_control_characters_not_stored(world):
    case = CASE_BY_SLUG["hx-control-chars"]
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    assert row is not None, f"{url} not stored: {reasons(world.errors_for(case.slug))}"
    assert not C0.search(row.get("title") or ""), f"{url}: C0 characters kept: {row['title']!r}"
    assert not C0.search(row.get("body") or ""), f"{url}: C0 characters kept: {row['body']!r}"
    assert not case_differences(row, case), case_differences(row, case)


def test_no_control_characters_anywhere(world):
    bad = []
    for table, cols in (
        ("articles", ("title", "body", "posted_raw", "category_names")),
        ("categories", ("name",)),
        ("article_revisions", ("title", "body")),
    ):
        for r in _load(world.db, table):
            for col in cols:
                if C0.search(str(r.get(col) or "")):
                    bad.append(f"{table}.{col} id={r.get('id')}: {str(r.get(col))[:80]!r}")
    assert not bad, f"stored text holds C0 control characters: {bad}"


def test_replacement_characters_recorded(world):
    case = CASE_BY_SLUG["hx-fffd-in-source"]
    url = case_url(world, case)
    errs = world.errors_for(case.slug)
    assert any(matches(R_FFFD, r) for r in reasons(errs)), (
        f"{url}: its title holds U+FFFD; the issue wants it recorded as a problem, got "
        f"{reasons(errs)}"
    )
    assert [c for c in world.captures if case.slug in (c.get("url") or "")], (
        f"{url}: no capture: the raw bytes must be kept in the WARC"
    )


# --------------------------------------------------------------------------------------------
# 6. Politeness
# --------------------------------------------------------------------------------------------


def max_in_flight(records: list[Record]) -> tuple[int, list[str]]:
    """Most requests in flight at once (a client that went away is given 50 ms to be seen)."""
    events = []
    for i, r in enumerate(records):
        end = r.end if r.end is not None else r.start
        if r.aborted:
            end -= 0.05
        end = max(end, r.start + 1e-6)
        events.append((r.start, 1, i))
        events.append((end, -1, i))
    events.sort(key=lambda e: (e[0], e[1]))  # at equal times, an end before a start
    worst, example, live = 0, [], set()
    for _, delta, i in events:
        if delta > 0:
            live.add(i)
        else:
            live.discard(i)
        if len(live) > worst:
            worst, example = len(live), [records[j].path[-70:] for j in sorted(live)]
    return worst, example


@pytest.mark.parametrize("run", ["first", "second"])
@pytest.mark.parametrize("site", ["hostile", "pager", "robots", "quirks", "alias"])
def test_one_request_in_flight_per_portal(world, site, run):
    records = world.records1 if run == "first" else world.records2
    worst, example = max_in_flight([r for r in records if r.site == site])
    assert worst <= 1, (
        f"{worst} requests in flight at once to the {site} portal during the {run} crawl "
        f"(README: one request at a time per portal, whatever DOWNLOAD_DELAY): {example}"
    )


def test_runaway_pager_is_stopped(world):
    pages = pager_pages_requested(world.records1)
    assert pages, "the endless pager was not read"
    assert max(pages) < PAGER_CAP, (
        f"the endless pager was read to the suite's safety valve ({PAGER_CAP} pages)"
    )
    assert max(pages) <= MAX_LISTING_PAGES, (
        f"WARDCRAWLER_MAX_LISTING_PAGES={MAX_LISTING_PAGES} (README: at most that many pages in "
        f"one run), listing pages read: {sorted(set(pages))}"
    )


R_GUARD = (
    r"pager|runaway|MAX_LISTING_PAGES|page limit|pages? cap|listing (page )?(limit|guard|cap)"
    r"|stopped after \d+ (listing )?pages|too many (listing )?pages"
)


def test_runaway_pager_guard_recorded_and_shown(world):
    assert matches(R_GUARD, world.run1.output), (
        "the guard that stopped the endless pager is not shown in the run's summary: "
        f"stdout={world.run1.stdout[-1500:]!r} stderr={world.run1.stderr[-1500:]!r}"
    )
    recorded = [
        e for e in world.errors if e.get("ward") == PAGER_WARD and matches(R_GUARD, e["reason"])
    ]
    for table in ("crawl_runs", "crawl_run_wards"):
        for r in _load(world.db, table):
            if any(matches(R_GUARD, str(v)) for v in r.values()):
                recorded.append(r)
    assert recorded, "the guard that stopped the endless pager is recorded nowhere in the archive"


def test_runaway_not_repeated_next_run(world):
    first = set(pager_pages_requested(world.records1))
    second = pager_pages_requested(world.records2)
    repeated = sorted(set(second) & first - {1})
    assert not repeated, (
        f"the incremental run read the runaway pager again: pages {sorted(second)} "
        f"(first run: {sorted(first)})"
    )
    assert len(second) <= MAX_LISTING_PAGES + 1, f"second run pager pages: {second}"


# --------------------------------------------------------------------------------------------
# 7. Dates that can't be
# --------------------------------------------------------------------------------------------


def _problems_of(world: World, slug: str) -> list[str]:
    texts = reasons(world.errors_for(slug))
    row = world.liferay_row(slug)
    if row is not None:
        skip = ("body", "title", "url", "article_key", "category_names")
        texts += [str(v) for k, v in row.items() if k not in skip and v is not None]
    return texts


def test_impossible_date_reported(world):
    case = CASE_BY_SLUG["hx-impossible-date"]
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    if row is not None:
        assert not row.get("posted_at"), f"{url}: 31/02/2023 became {row['posted_at']!r}"
        assert "31/02/2023" in str(row.get("posted_raw") or ""), f"{url}: posted_raw {row}"
    texts = reasons(world.errors_for(case.slug))
    assert any(matches(R_IMPOSSIBLE_DATE, t) for t in _problems_of(world, case.slug)), (
        f"{url}: 31/02/2023 should be reported as an impossible date, got {texts}"
    )
    assert not any(matches(r"no posted date", t) for t in texts), texts


def test_future_date_flagged_and_not_faceted(world):
    case = CASE_BY_SLUG["hx-future-date"]
    url = case_url(world, case)
    row = world.liferay_row(case.slug)
    assert row is not None, f"{url} not stored: {reasons(world.errors_for(case.slug))}"
    assert "15/09/2031" in str(row.get("posted_raw") or ""), f"{url}: posted_raw not kept: {row}"
    for col in ("posted_year", "posted_month", "posted_date"):
        assert not str(row.get(col) or "").startswith("2031"), (
            f"{url}: a date six years ahead is trusted for facets: {col}={row.get(col)!r}"
        )
    assert any(matches(R_FUTURE_DATE, t) for t in _problems_of(world, case.slug)), (
        f"{url}: a posting date later than the fetch time should be flagged"
    )


# --------------------------------------------------------------------------------------------
# 9. TLS as gov.vn serves it
# --------------------------------------------------------------------------------------------


def test_legacy_tls_ward_crawled(world):
    if world.portals.tls_context is None:
        pytest.skip("no openssl command or no TLS 1.0 support here: legacy TLS server not started")
    failures = world.portals.log.tls_failures
    for art in TLS_ARTICLES:
        row = world.hanoi_row(TLS_WARD, art)
        assert row is not None, (
            f"{world.portals.tls.base}{art.path} (TLS 1.0/1.1, 1024-bit RSA, SHA-1, self-signed) "
            f"not stored; handshakes failed: {failures[:3]}; fetch_errors: "
            f"{[(e['url'], e['reason']) for e in world.errors if e.get('ward') == TLS_WARD][:3]}"
        )
        assert not hanoi_differences(row, art), hanoi_differences(row, art)


# --------------------------------------------------------------------------------------------
# The served archive: captures, feeds, search
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(world):
    port = free_port()
    args = ["serve", "--public", "--host", "127.0.0.1", "--db", str(world.db), "--port", str(port)]
    with Served(args, world.tmp / "serve", port) as served:
        yield served


def _capture_of(world: World, slug: str) -> dict:
    caps = [c for c in world.captures if slug in (c.get("url") or "")]
    assert caps, f"no captures row for {slug} (README: every response is kept)"
    return caps[-1]


BOMBS = [
    "hx-gzip-bomb",
    "hx-deflate-bomb",
    "hx-brotli-bomb",
    "hx-double-gzip-bomb",
    "hx-huge-markup",
    "robots-bomb",
]
CAPTURE_MAX_BYTES = 20 * 1024 * 1024  # README: /-/capture serves at most 20 MiB


@pytest.mark.parametrize("slug", BOMBS)
def test_capture_of_bomb_costs_bounded_memory(world, site, slug):
    needle = world.portals.quirks.base + "/robots.txt" if slug == "robots-bomb" else slug
    cap = _capture_of(world, needle)
    url = f"{site.base}/-/capture/{cap['id']}"
    status, headers, body = http_get(url, timeout=120, limit=CAPTURE_BODY_LIMIT)
    peak = peak_rss_kb(site.proc.pid)
    print(
        f"{slug}: status {status}, {len(body)} bytes, server peak {peak / 1024:.0f} MiB, {headers}"
    )
    assert status < 500, f"{url}: {status} {body[:300]!r}"
    assert peak < SERVER_PEAK_LIMIT_KB, (
        f"{url}: Datasette's peak RSS reached {peak / 1024:.0f} MiB for one request"
    )
    assert len(body) <= CAPTURE_BODY_LIMIT, f"{url}: more than {CAPTURE_BODY_LIMIT} bytes served"
    encoding = headers.get("content-encoding", "").lower()
    if encoding in ("gzip", "deflate", "br"):
        if encoding == "br":
            import brotli

            out = brotli.Decompressor().process(body)  # a capture of 256 MB at most
            assert len(out) <= CAPTURE_BODY_LIMIT, f"{url} hands a brotli bomb to the browser"
        else:
            d = zlib.decompressobj(31 if encoding == "gzip" else 15)
            d.decompress(body, CAPTURE_BODY_LIMIT)
            assert not d.unconsumed_tail, f"{url} hands the {encoding} bomb to the browser"
    if status == 200:
        assert headers.get("x-content-type-options", "").lower() == "nosniff", (url, headers)
        assert "sandbox" in headers.get("content-security-policy", ""), (url, headers)
        assert len(body) <= CAPTURE_MAX_BYTES, (
            f"{url}: {len(body)} bytes served; README: at most 20 MiB"
        )
        assert "x-wardcrawler-truncated" in headers, (
            f"{url}: the capture decompresses to more than 20 MiB, served without "
            f"X-Wardcrawler-Truncated (README); headers {headers}"
        )


@pytest.mark.parametrize("ident", ["0", "-1", "abc", "99999999999999999999999", "1%00", "1.5"])
def test_capture_odd_ids_never_500(site, ident):
    url = f"{site.base}/-/capture/{ident}"
    status, _, body = http_get(url)
    assert status < 500, f"{url}: {status}: {body[:300]!r}"


def test_capture_from_damaged_or_missing_warc_never_500(world):
    """Served with --warc-dir a folder of the first WARC file cut in half (the rest missing)."""
    folder = world.tmp / "warc-damaged"
    folder.mkdir()
    files = sorted(world.warc.rglob("*.warc.gz"))
    assert files, f"no WARC file under {world.warc}"
    data = files[0].read_bytes()
    (folder / files[0].name).write_bytes(data[: len(data) // 2])
    port = free_port()
    args = ["serve", "--public", "--host", "127.0.0.1", "--db", str(world.db)]
    args += ["--port", str(port), "--warc-dir", str(folder)]
    with Served(args, world.tmp / "serve-damaged", port) as served:
        for cap in world.captures[:: max(1, len(world.captures) // 25)] + world.captures[-3:]:
            url = f"{served.base}/-/capture/{cap['id']}"
            status, _, body = http_get(url, timeout=60, limit=CAPTURE_BODY_LIMIT)
            assert status < 500, (
                f"{url} ({cap['warc_file']} @ {cap['warc_offset']}, file cut in half or "
                f"missing): {status}: {body[:300]!r}"
            )


def test_capture_headers(world, site):
    cap = _capture_of(world, "hx-ctl-a")
    url = f"{site.base}/-/capture/{cap['id']}"
    status, headers, _ = http_get(url)
    assert status == 200, f"{url}: {status}"
    assert headers.get("x-content-type-options", "").lower() == "nosniff", (
        f"{url}: expected X-Content-Type-Options: nosniff, got headers {headers}"
    )
    assert "sandbox" in headers.get("content-security-policy", ""), (
        f"{url}: expected a sandbox Content-Security-Policy, got {headers}"
    )


ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = [
    ("ward", f"ward_feed.atom?ward={HOSTILE_WARD}", False),
    ("pager-ward", f"ward_feed.atom?ward={PAGER_WARD}", False),
    ("unknown-ward", "ward_feed.atom?ward=no-such-ward", True),
    ("no-parameter", "ward_feed.atom", False),
    ("empty-ward", "ward_feed.atom?ward=", False),
    ("search-match", "search_feed.atom?q=tiep+cong+dan", False),
    ("search-no-match", "search_feed.atom?q=khongcokhopnaoca", False),
    ("search-no-parameter", "search_feed.atom", False),
    ("search-fts-syntax", "search_feed.atom?q=" + quote('"unbalanced'), False),
    ("search-noncharacter", "search_feed.atom?q=" + quote("lich truc"), False),
    ("search-control-chars", "search_feed.atom?q=" + quote("tiep cong dan"), False),
    ("ward-nul", "ward_feed.atom?ward=%00", True),
    ("ward-quote", "ward_feed.atom?ward=" + quote("' OR 1=1 --"), True),
    ("ward-long", "ward_feed.atom?ward=" + "x" * 5000, True),
]


def _feed(site, path: str):
    url = f"{site.base}/{DB_NAME}/{path}"
    status, headers, body = http_get(url)
    return url, status, headers, body


@pytest.mark.parametrize(("name", "path", "may_404"), FEEDS, ids=[f[0] for f in FEEDS])
def test_feed_answers_valid_atom(world, site, name, path, may_404):
    url, status, _, body = _feed(site, path)
    if may_404 and status == 404:
        return
    assert status == 200, f"{url}: expected 200 (valid Atom), got {status}: {body[:300]!r}"
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        pytest.fail(f"{url}: not well-formed XML ({exc}): {body[:300]!r}")
    assert root.tag == f"{ATOM}feed", f"{url}: root element {root.tag}"


def test_ward_feed_holds_the_control_character_article(world, site):
    url, status, _, body = _feed(site, f"ward_feed.atom?ward={HOSTILE_WARD}")
    assert status == 200, f"{url}: {status} {body[:300]!r}"
    root = ET.fromstring(body)
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    for slug in ("hx-control-chars", "hx-markup-in-title"):
        assert CASE_BY_SLUG[slug].title in titles, f"{url}: no entry for {slug}: {titles}"


FTS_QUERIES = [
    '"unbalanced',
    "AND OR",
    "*",
    "NEAR(",
    'dang bo"',
    "title:",
    "\x00",
    "(" * 1000 + "a" + ")" * 1000,
    " OR ".join(["phuong"] * 1200),
    "^" * 100,
]
FTS_PAGES = [
    ("articles", "articles?_search="),
    ("articles-json", "articles.json?_search="),
    ("articles-raw", "articles?_searchmode=raw&_search="),
    ("search", "search?q="),
]


@pytest.mark.parametrize(("page", "prefix"), FTS_PAGES, ids=[p[0] for p in FTS_PAGES])
@pytest.mark.parametrize("q", FTS_QUERIES, ids=[q[:12] or "empty" for q in FTS_QUERIES])
def test_search_syntax_errors_are_readable(world, site, page, prefix, q):
    url = f"{site.base}/{DB_NAME}/{prefix}{quote(q)}"
    status, _, body = http_get(url)
    text = body.decode("utf-8", "replace")
    assert status < 500, f"{url}: {status}: {text[:400]!r}"
    assert "Traceback" not in text, f"{url}: a traceback is shown"
    if status >= 400:
        assert re.search(r"search|query|t[iì]m|truy v", text, re.I), (
            f"{url}: {status} without a readable message: {text[:400]!r}"
        )


def test_pages_of_odd_articles_never_500(world, site):
    row = world.liferay_row("hx-control-chars")
    paths = [
        f"articles?ward={HOSTILE_WARD}",
        "articles?_facet=posted_year&_facet=ward",
        "search?q=tiep+cong+dan",
        "search?q=lich+truc",
        f"articles.json?_shape=array&ward={HOSTILE_WARD}&_size=100",
        "fetch_errors",
    ]
    for row_slug in ("hx-noncharacter", "hx-nul-byte", "hx-markup-in-title"):
        other = world.liferay_row(row_slug)
        if other is not None:
            paths.append(f"articles/{other['id']}")
    if row is not None:
        paths.append(f"articles/{row['id']}")
    for path in paths:
        url = f"{site.base}/{DB_NAME}/{path}"
        status, _, body = http_get(url)
        assert status < 500, f"{url}: {status}: {body[:300]!r}"
    for path in (
        "/-/download/articles.jsonl",
        f"/-/download/articles.csv?ward={HOSTILE_WARD}",
        "/-/download/articles.json",
    ):
        url = site.base + path
        status, _, body = http_get(url)
        assert status == 200, f"{url}: {status}: {body[:300]!r}"


# --------------------------------------------------------------------------------------------
# 5. Clear errors: bad archives and bad registries
# --------------------------------------------------------------------------------------------


@dataclass
class CliEnv:
    tmp: Path
    registry: Path
    good: Path  # a healthy archive of the tiny portal
    good_run: Run


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-cli")
    site = cli_site(RequestLog())
    site.start("127.0.0.1")
    try:
        registry = tmp / "wards.toml"
        registry.write_text(
            registry_toml(
                [
                    {
                        "slug": "hostile-cli",
                        "name": "Phường Dòng Lệnh",
                        "province": "Hà Nội",
                        "url": site.base + "/",
                        "family": "hanoi-portal",
                        "categories": ["tin-tuc-su-kien"],
                    }
                ]
            ),
            "utf-8",
        )
        good = tmp / "good" / "wards.db"
        good.parent.mkdir()
        args = ["crawl", "--wards", str(registry), "--db", str(good), "-s", "DOWNLOAD_DELAY=0"]
        good_run = run_cli(args, tmp / "good", timeout=120)
        yield CliEnv(tmp, registry, good, good_run)
    finally:
        site.stop()


def _copy_db(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(src)) as a,
        contextlib.closing(sqlite3.connect(dst)) as b,
    ):
        a.backup(b)
    return dst


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _article_count(db: Path) -> int | None:
    try:
        return query(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    except (sqlite3.Error, IndexError):
        return None


BAD_ARCHIVES = [
    "corrupt",
    "foreign-sqlite",
    "db-is-a-folder",
    "read-only",
    "missing-folder",
    "unwritable-folder",
    "unwritable-warc",
]


@pytest.mark.parametrize("kind", BAD_ARCHIVES)
def test_bad_archive_gives_a_short_clear_error(cli_env, kind):
    assert cli_env.good_run.returncode == 0, cli_env.good_run.describe()
    case = cli_env.tmp / kind
    case.mkdir()
    warc = case / "warc"
    with contextlib.ExitStack() as stack:
        if kind == "corrupt":
            db = case / "wards.db"
            db.write_bytes(random.Random(10).randbytes(64 * 1024))
            named = db
        elif kind == "foreign-sqlite":  # a valid SQLite file of another application
            db = case / "wards.db"
            with contextlib.closing(sqlite3.connect(db)) as conn:
                conn.execute("CREATE TABLE articles (isbn TEXT PRIMARY KEY, shelf INTEGER)")
                conn.execute("INSERT INTO articles VALUES ('978-604', 3)")
                conn.commit()
            named = db
        elif kind == "db-is-a-folder":
            db = case / "wards.db"
            db.mkdir()
            named = db
        elif kind == "read-only":
            db = _copy_db(cli_env.good, case / "wards.db")
            stack.enter_context(unwritable(db))
            named = db
        elif kind == "missing-folder":
            db = case / "no-such-folder" / "deeper" / "wards.db"
            named = db.parent
        elif kind == "unwritable-folder":
            folder = case / "locked"
            folder.mkdir()
            db = folder / "wards.db"
            stack.enter_context(unwritable(folder))
            named = folder
        else:
            db = _copy_db(cli_env.good, case / "wards.db")
            warc.mkdir()
            stack.enter_context(unwritable(warc))
            named = warc
        before = (_digest(db), _article_count(db) if kind == "unwritable-warc" else None)
        args = [
            "crawl",
            "--wards",
            str(cli_env.registry),
            "--db",
            str(db),
            "--warc-dir",
            str(warc),
            "-s",
            "DOWNLOAD_DELAY=0",
        ]
        run = run_cli(args, case / "cwd", timeout=120)
        after = (
            _digest(db) if kind != "unwritable-warc" else before[0],
            _article_count(db) if kind == "unwritable-warc" else None,
        )
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode != 0, f"{kind}: the crawl exited 0\n{run.describe()}"
    assert run.returncode in documented_exit_codes(), (
        f"{kind}: exit code {run.returncode} is not in the README's table "
        f"{sorted(documented_exit_codes())}\n{run.describe()}"
    )
    assert "Traceback" not in run.output, f"{kind}: a traceback\n{run.describe(12)}"
    assert len(lines) <= 5, (
        f"{kind}: {len(lines)} lines on stderr (≤ 5 expected)\n{run.describe(12)}"
    )
    assert str(named) in run.stderr or named.name in run.stderr, (
        f"{kind}: the message does not name {named}\n{run.describe(12)}"
    )
    if kind == "missing-folder":
        assert not db.parent.exists() or not any(db.parent.iterdir()), "written half-way"
    elif kind == "db-is-a-folder":
        assert db.is_dir() and not any(db.iterdir()), f"{kind}: written into {db}"
    elif kind == "unwritable-warc":
        assert after[1] == before[1], (
            f"{kind}: articles {before[1]} -> {after[1]}: written half-way"
        )
    else:
        assert after[0] == before[0], f"{kind}: {db} changed: written half-way"


BAD_REGISTRIES = [
    ("port-out-of-range", {"url": "http://127.0.0.1:99999/"}, "url"),
    ("ftp-scheme", {"url": "ftp://127.0.0.1/"}, "url"),
    ("url-without-host", {"url": "http:///tin-tuc"}, "url"),
    ("alias-port-out-of-range", {"aliases": ["127.0.0.1:99999"]}, "aliases"),
    ("category-javascript", {"categories": ["javascript:alert(1)"]}, "categories"),
    ("category-on-other-host", {"categories": ["http://127.0.0.2/tin-tuc"]}, "categories"),
    ("category-scheme-relative", {"categories": ["//127.0.0.2/tin-tuc"]}, "categories"),
]


def _bad_registry(tmp: Path, name: str, override: dict) -> Path:
    ward = {
        "slug": f"bad-{name}",
        "name": "Phường Sai Cấu Hình",
        "province": "Hà Nội",
        "url": "http://127.0.0.1:9/",
        "family": "hanoi-portal",
        "categories": ["tin-tuc-su-kien"],
    }
    ward.update(override)
    path = tmp / f"{name}.toml"
    path.write_text(registry_toml([ward]), "utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "override", "key"), BAD_REGISTRIES, ids=[b[0] for b in BAD_REGISTRIES]
)
def test_bad_registry_value_fails_at_load(tmp_path, name, override, key):
    registry = _bad_registry(tmp_path, name, override)
    run = run_cli(["wards", "--wards", str(registry)], tmp_path / "cwd", timeout=60)
    assert run.returncode == 2, f"{override} should fail at load with exit 2\n{run.describe()}"
    assert f"bad-{name}" in run.stderr and key in run.stderr, (
        f"the message should name the ward bad-{name} and the key {key!r}\n{run.describe()}"
    )
    assert registry.name in run.stderr, f"the message should name the file\n{run.describe()}"
    assert "Traceback" not in run.output, run.describe()
    assert len([x for x in run.stderr.splitlines() if x.strip()]) <= 5, run.describe()


@pytest.mark.parametrize("room", ["16k-per-file", "db-plus-4k", "db-plus-8k"])
def test_full_disk_gives_a_clear_error(cli_env, room):
    """No file may grow past a limit (RLIMIT_FSIZE, writes beyond fail with EFBIG as on a full
    disk): 16 KB per file (the WAL fills at once), or the archive's size plus 4 or 8 KB (the
    disk fills during the run)."""
    assert cli_env.good_run.returncode == 0, cli_env.good_run.describe()
    case = cli_env.tmp / f"disk-full-{room}"
    db = _copy_db(cli_env.good, case / "wards.db")
    # An archive holds the country's 3,321 units (some 300 KB) since issue 13: more than a
    # --full run of three pages writes, so "the archive's size" is taken without them (capped
    # at 128 KB): the run's write-ahead log still outgrows it and the disk fills during the run.
    size = min(db.stat().st_size, 128 * 1024)
    limit = 16 * 1024 if room == "16k-per-file" else size + int(room[-2]) * 1024
    before = query(db, "SELECT title, body, views FROM articles ORDER BY id")
    args = ["crawl", "--full", "--wards", str(cli_env.registry), "--db", str(db)]
    run = run_cli_disk_full(args + ["-s", "DOWNLOAD_DELAY=0"], case / "cwd", limit, timeout=120)
    assert not run.timed_out, run.describe(12)
    assert run.returncode != 0, f"the disk is full, yet exit 0\n{run.describe(12)}"
    assert run.returncode in documented_exit_codes(), run.describe(12)
    assert "Traceback" not in run.output, run.describe(12)
    assert re.search(r"disk|full|space|too large|EFBIG", run.stderr, re.I), (
        f"the message should say the disk is full\n{run.describe(12)}"
    )
    assert db.name in run.stderr or "warc" in run.stderr.lower(), (
        f"the message should name the file that could not be written\n{run.describe(12)}"
    )
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = query(db, "SELECT title, body, views FROM articles ORDER BY id")
    assert after == before, f"articles written half-way: {before} -> {after}"


def test_locked_archive_gives_a_clear_error(cli_env):
    """Another program holds a write lock on the archive for the whole crawl."""
    assert cli_env.good_run.returncode == 0, cli_env.good_run.describe()
    case = cli_env.tmp / "locked"
    db = _copy_db(cli_env.good, case / "wards.db")
    args = ["crawl", "--wards", str(cli_env.registry), "--db", str(db), "-s", "DOWNLOAD_DELAY=0"]
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        try:
            run = run_cli(args, case / "cwd", timeout=150)
        finally:
            holder.execute("ROLLBACK")
    assert not run.timed_out, f"the crawl waited on the lock for ever\n{run.describe(12)}"
    assert run.returncode != 0, run.describe(12)
    assert run.returncode in documented_exit_codes(), run.describe(12)
    assert "Traceback" not in run.output, run.describe(12)
    assert len([x for x in run.stderr.splitlines() if x.strip()]) <= 5, run.describe(12)
    assert db.name in run.stderr and re.search(r"lock|busy|in use", run.stderr, re.I), (
        f"the message should name {db} and say it is locked\n{run.describe(12)}"
    )


def test_serve_corrupt_database_clear_error(tmp_path):
    db = tmp_path / "broken.db"
    db.write_bytes(random.Random(11).randbytes(64 * 1024))
    port = free_port()
    run = run_cli(
        ["serve", "--db", str(db), "--port", str(port), "--host", "127.0.0.1"],
        tmp_path / "cwd",
        timeout=30,
    )
    assert not run.timed_out, f"serve kept running on a corrupt database\n{run.describe(12)}"
    assert run.returncode != 0, run.describe(12)
    assert "Traceback" not in run.output, run.describe(12)
    assert len([x for x in run.stderr.splitlines() if x.strip()]) <= 5, run.describe(12)
    assert db.name in run.stderr, f"the message should name {db}\n{run.describe(12)}"


def test_reparse_with_a_corrupt_warc_file(cli_env):
    """A folder with a healthy WARC file (the tiny portal's crawl) and a file of random bytes."""
    folder = cli_env.tmp / "warc-with-junk"
    folder.mkdir()
    good = sorted((cli_env.good.parent / "warc").rglob("*.warc.gz"))
    assert good, "the tiny portal's crawl wrote no WARC file"
    for p in good:
        shutil.copy(p, folder / p.name)
    junk = folder / "wardcrawler-20250101000000-run9-00000.warc.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00" + random.Random(12).randbytes(200_000))
    rebuilt = cli_env.tmp / "rebuilt-junk.db"
    run = run_cli(
        ["reparse", "--warc-dir", str(folder), "--db", str(rebuilt)],
        cli_env.tmp / "reparse-junk",
        timeout=180,
    )
    assert not run.timed_out, run.describe()
    assert "Traceback" not in run.output, run.describe(12)
    assert run.returncode in documented_exit_codes(), run.describe(12)
    assert junk.name in run.output, (
        f"the output should name the damaged {junk.name}\n{run.describe(12)}"
    )
    if run.returncode == 0:
        titles = {r["title"] for r in query(rebuilt, "SELECT title FROM articles")}
        assert titles == {a.title for a in CLI_ARTICLES}, f"rebuilt from the healthy file: {titles}"


def test_bad_registry_port_stops_crawl_at_load(tmp_path):
    registry = _bad_registry(tmp_path, "port-out-of-range", {"url": "http://127.0.0.1:99999/"})
    db = tmp_path / "wards.db"
    run = run_cli(
        ["crawl", "--wards", str(registry), "--db", str(db), "--warc-dir", "off"],
        tmp_path / "cwd",
        timeout=60,
    )
    assert run.returncode == 2, f"port 99999 should be a bad registry (exit 2)\n{run.describe()}"
    assert "Traceback" not in run.output, run.describe()


# --------------------------------------------------------------------------------------------
# The README documents the guards
# --------------------------------------------------------------------------------------------


def test_readme_documents_the_listing_page_guard():
    assert "WARDCRAWLER_MAX_LISTING_PAGES" in README.read_text("utf-8"), (
        "the endless-pager guard (WARDCRAWLER_MAX_LISTING_PAGES) is not documented"
    )


def test_readme_says_crawl_delay_is_honoured():
    text = README.read_text("utf-8")
    assert "Crawl-delay" in text
    assert not re.search(r"Crawl-delay`? is not read", text), (
        "README still says robots.txt's Crawl-delay is not read"
    )


def test_readme_documents_page_size_limits():
    text = README.read_text("utf-8")
    assert re.search(r"DOWNLOAD_MAXSIZE|size limit|MAX_PAGE_BYTES", text), (
        "no size limit for article pages is documented (the issue: set and document one)"
    )


def test_cli_portal_sanity(cli_env):
    assert cli_env.good_run.returncode == 0, cli_env.good_run.describe()
    rows = query(cli_env.good, "SELECT title FROM articles")
    assert {r["title"] for r in rows} == {a.title for a in CLI_ARTICLES}
