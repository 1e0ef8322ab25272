"""Check 1: `wardcrawler backfill` against an independent fake Wayback Machine.

Readings of the spec where it is loose (ours):
* "latest capture" = latest capture that IS an article (soft 404s, truncated bodies, error and
  redirect captures after it do not count); a revisit record replays an identical earlier
  payload, so it changes nothing either way.
* views history: the view counts of the article captures, in capture-date order, with
  consecutive repeats collapsed, must be the snapshot values in seen_at order (also collapsed);
  each change must be dated at its capture time (±2 min, UTC).
* revisions: the distinct (title, body) versions before the latest one, in date order.
* failures: each non-article capture of an article URL must leave a fetch_errors row whose
  url is the capture (original URL, or archive URL holding its timestamp).
* politeness by default: the intervals between requests to the archive average ≥ 0.9 s and
  none is below 0.45 s (Scrapy's randomised delay is 0.5-1.5 × DOWNLOAD_DELAY).
"""

from __future__ import annotations

import signal
import time
from collections import defaultdict

import pytest

from . import content as C
from .fake_wayback import Dataset, FakeWayback, surt
from .helpers import (
    cats_of,
    first_diff,
    parse_time,
    popen_wc,
    report,
    rows,
    run_wc,
    short,
    table_names,
    tail,
)

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def bf(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backfill")
    ds = Dataset()
    reg = tmp / "wards.toml"
    reg.write_text(ds.registry_toml(), encoding="utf-8")
    db = tmp / "bf.db"
    out = {"ds": ds, "db": db, "reg": reg}
    polite_fw = FakeWayback(Dataset()).start()
    polite_db = tmp / "polite.db"
    try:
        # politeness run (default delay) on its own server, in parallel with the main run
        polite = popen_wc(
            [
                "backfill",
                "--wards",
                str(reg),
                "--db",
                str(polite_db),
                "--ward",
                "hnx-dongda",
                "--from",
                "20260601",
                "--archive-url",
                polite_fw.url,
            ]
        )
        with FakeWayback(ds) as fw:
            t0 = time.monotonic()
            r1 = run_wc(
                [
                    "backfill",
                    "--wards",
                    str(reg),
                    "--db",
                    str(db),
                    "--archive-url",
                    fw.url,
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=False",
                ],
                timeout=150,
            )
            out["t1"] = time.monotonic() - t0
            out["r1"], out["log1"] = r1, list(fw.log)
            fw.reset_log()
            out["counts1"] = _counts(db)
            r2 = run_wc(
                [
                    "backfill",
                    "--wards",
                    str(reg),
                    "--db",
                    str(db),
                    "--archive-url",
                    fw.url,
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=False",
                ],
                timeout=150,
            )
            out["r2"], out["log2"] = r2, list(fw.log)
            out["counts2"] = _counts(db)
        # let the polite run make ~8 requests, then stop it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and polite.poll() is None:
            with polite_fw.lock:
                n = len(polite_fw.log)
            if n >= 9:
                break
            time.sleep(0.2)
        if polite.poll() is None:
            polite.send_signal(signal.SIGKILL)
        polite.communicate(timeout=20)
        out["polite_log"] = list(polite_fw.log)
    finally:
        polite_fw.close()
    yield out


def _counts(db):
    if not db.exists():
        return {}
    out = {}
    for t in (
        "articles",
        "views_snapshots",
        "article_revisions",
        "captures",
        "wayback_processed",
        "fetch_errors",
    ):
        try:
            out[t] = rows(db, f"select count(*) n from {t}")[0]["n"]
        except Exception as e:  # noqa: BLE001
            out[t] = repr(e)
    return out


def _articles(bf):
    return rows(bf["db"], "select * from articles")


def _mapped(bf):
    """(ward, ident) -> [rows], with our own reading of each row's identity."""
    ds = bf["ds"]
    fam = {w.slug: w.family for w in ds.wards}
    m = defaultdict(list)
    for r in _articles(bf):
        f = fam.get(r["ward"])
        if f is None:
            m[(r["ward"], None)].append(r)
            continue
        m[(r["ward"], C.ident_of(f, r.get("url"), r.get("article_key")))].append(r)
    return m


def _where(t) -> str:
    c = t["latest"]
    return f"ward {c.ward} ({c.art.family}), capture {c.ts} {short(c.original, 140)}"


def test_backfill_runs_cleanly(bf):
    r1 = bf["r1"]
    assert r1.returncode == 0, (
        f"backfill exit {r1.returncode}\nstdout: {tail(r1.stdout)}\nstderr: {tail(r1.stderr)}"
    )
    crashes = [e for e in bf["log1"] if e["status"] == 400 or e["kind"] in ("unknown", "crash")]
    assert not crashes, "requests the archive rejected (bad CDX/replay URL?):\n" + "\n".join(
        f"  {e['status']} {short(e['path'], 300)} {e['info']}" for e in crashes[:10]
    )


def test_every_captured_article_archived_once(bf):
    truth = bf["ds"].truth()
    m = _mapped(bf)
    problems = []
    for key, t in truth.items():
        got = m.get(key, [])
        if len(got) != 1:
            problems.append(
                f"{_where(t)}: expected 1 row for {key[1][:60]!r}, got {len(got)}"
                + (f" (urls {[short(r['url'], 90) for r in got]})" if got else "")
            )
    ok = len(truth) - len(problems)
    assert not problems or ok / len(truth) >= 0.99, report(
        f"captured articles not archived exactly once ({ok}/{len(truth)} ok)", problems, len(truth)
    )


def test_no_row_that_is_not_an_article(bf):
    ds = bf["ds"]
    truth = ds.truth()
    m = _mapped(bf)
    extra = []
    for key, rs in m.items():
        if key in truth:
            continue
        why = (
            "a removed article seen only as 404/redirect captures"
            if key[1] in ds.bogus_keys.get(key[0], ())
            else "unknown"
        )
        for r in rs:
            extra.append(
                f"ward {r['ward']}: row id={r['id']} key={short(r.get('article_key'), 80)!r} "
                f"title={short(r.get('title'), 80)!r} url={short(r.get('url'), 120)} ({why})"
            )
    assert not extra, report("rows that are not captured articles", extra, len(sum(m.values(), [])))


# ---- latest capture's fields


def _field_check(bf, name, expect, got_of, compare=lambda e, g: e == g, detail=None):
    truth = bf["ds"].truth()
    m = _mapped(bf)
    problems, n = [], 0
    for key, t in truth.items():
        got_rows = m.get(key, [])
        if len(got_rows) != 1:
            continue  # counted by test_every_captured_article_archived_once
        n += 1
        e, g = expect(t), got_of(got_rows[0])
        if not compare(e, g):
            msg = f"{_where(t)}: {name} expected {short(e, 120)!r}, got {short(g, 120)!r}"
            if detail:
                msg += " — " + detail(t, e, g)
            problems.append(msg)
    assert n, "no article could be compared"
    assert len(problems) <= n * 0.01, report(f"{name} of the latest capture", problems, n)


def _snippet(t, *_):
    c = t["latest"]
    body = c.body if c.kind != "revisit" else c.revisit_of.body
    txt = body.decode()
    i = (
        txt.find("<h")
        if '<h1 class="detail-title' not in txt
        else txt.find('<h1 class="detail-title')
    )
    for marker in (
        'class="header-title',
        'class="text-change-size',
        'class="asset_title',
        'class="detail-title',
        'class="title"',
    ):
        j = txt.find(marker)
        if j >= 0:
            i = j
            break
    return "HTML: " + short(txt[max(0, i - 20) : i + 420].replace("\n", " "), 440)


def test_latest_title(bf):
    _field_check(
        bf,
        "title",
        lambda t: C.norm(t["latest"].version.title),
        lambda r: r.get("title"),
        detail=_snippet,
    )


def test_latest_views(bf):
    _field_check(
        bf, "views", lambda t: t["latest"].version.views, lambda r: r.get("views"), detail=_snippet
    )


def test_latest_posted_at(bf):
    def cmp(e, g):
        d = parse_time(g)
        return d is not None and d == e and str(g).endswith("+07:00")

    _field_check(
        bf,
        "posted_at",
        lambda t: t["art"].posted_aware,
        lambda r: r.get("posted_at"),
        cmp,
        detail=_snippet,
    )


def test_latest_body(bf):
    _field_check(
        bf,
        "body",
        lambda t: t["latest"].version.body,
        lambda r: r.get("body"),
        detail=lambda t, e, g: first_diff(e, g),
    )


def test_latest_category_shown(bf):
    # the category the latest capture's page shows is among the article's category names
    def cmp(e, g):
        return e in g

    _field_check(bf, "category_names ∋", lambda t: t["latest"].cat_name, cats_of, cmp)


# ---- history


def _snapshots(bf):
    out = defaultdict(list)
    for s in rows(bf["db"], "select * from views_snapshots order by seen_at, id"):
        out[s["article_id"]].append(s)
    return out


def test_views_history_across_capture_dates(bf):
    truth = bf["ds"].truth()
    m = _mapped(bf)
    snaps = _snapshots(bf)
    problems, n = [], 0
    for key, t in truth.items():
        if t["art"].version.views is None or len(m.get(key, [])) != 1:
            continue
        n += 1
        art_id = m[key][0]["id"]
        got = []
        for s in snaps.get(art_id, []):
            if not got or got[-1][1] != s["views"]:
                got.append((parse_time(s["seen_at"]), s["views"]))
        exp = t["views_history"]
        if [v for _, v in got] != [v for _, v in exp]:
            problems.append(
                f"{_where(t)}: views by date expected {[(d.strftime('%Y-%m-%d'), v) for d, v in exp]}, "
                f"got {[(d.strftime('%Y-%m-%d %H:%M') if d else None, v) for d, v in got]}"
            )
            continue
        bad = [
            (e, g)
            for e, g in zip(exp, got, strict=False)
            if g[0] is None or abs((g[0] - e[0]).total_seconds()) > 120
        ]
        if bad:
            problems.append(
                f"{_where(t)}: snapshots not dated at their capture time: "
                + ", ".join(
                    f"views {e[1]} captured {e[0]:%Y-%m-%d %H:%M:%S}Z, seen_at {g[0]}"
                    for e, g in bad[:3]
                )
            )
    assert n
    assert len(problems) <= n * 0.01, report("view histories", problems, n)


def test_text_changes_become_revisions_in_date_order(bf):
    truth = bf["ds"].truth()
    m = _mapped(bf)
    revs = defaultdict(list)
    for r in rows(bf["db"], "select * from article_revisions order by seen_at, id"):
        revs[r["article_id"]].append(r)
    problems, n = [], 0
    for key, t in truth.items():
        if len(m.get(key, [])) != 1:
            continue
        exp = [(ti, b) for _, ti, b in t["versions"][:-1]]
        got = [(C.norm(r.get("title") or ""), r.get("body")) for r in revs.get(m[key][0]["id"], [])]
        dedup = []
        for g in got:
            if not dedup or dedup[-1] != g:
                dedup.append(g)
        if exp or got:
            n += 1
        if dedup != exp:
            problems.append(
                f"{_where(t)}: revisions expected titles {[short(x[0], 70) for x in exp]} "
                f"(bodies {[len(x[1]) for x in exp]} chars), got titles {[short(x[0], 70) for x in got]} "
                f"(bodies {[len(x[1] or '') for x in got]} chars)"
            )
    assert n, "the data set has no text changes?"
    assert not problems, report("article_revisions", problems, n)


def test_non_article_captures_recorded_as_failures(bf):
    ds, db = bf["ds"], bf["db"]
    errs = rows(db, "select * from fetch_errors")
    bad = [
        c
        for c in ds.captures
        if c.kind in ("soft404", "truncated", "lying", "error404", "redirect")
    ]
    problems = []
    for c in bad:
        hit = [
            e
            for e in errs
            if e.get("url")
            and (
                c.ts in e["url"]
                or e["url"] == c.original
                or surt(e["url"].split("id_/", 1)[-1]) == c.urlkey
                and c.ts[:8] in (e.get("reason") or "")
            )
        ]
        if not hit:
            problems.append(
                f"ward {c.ward}: {c.kind} capture {c.ts} (CDX status {c.statuscode}) "
                f"{short(c.original, 120)} has no fetch_errors row"
            )
    assert not problems, report("non-article captures not recorded as failures", problems, len(bad))


def test_captures_rows_for_archive_fetches(bf):
    ds, db = bf["ds"], bf["db"]
    caps = rows(db, "select * from captures")
    by_ts = defaultdict(list)
    for c in caps:
        by_ts[str(c.get("capture_timestamp") or "")[:14]].append(c)
    problems = []
    good = [c for c in ds.captures if c.kind == "article"]
    for c in good:
        hit = [x for x in by_ts.get(c.ts, []) if x.get("source") == "web-archive"]
        if not hit:
            # capture_timestamp may be stored as ISO
            iso = c.dt.strftime("%Y-%m-%dT%H:%M:%S")
            hit = [
                x
                for x in caps
                if str(x.get("capture_timestamp") or "").startswith(iso)
                and x.get("source") == "web-archive"
            ]
        if not hit:
            problems.append(
                f"ward {c.ward}: article capture {c.ts} {short(c.original, 100)} has no captures row "
                f"(source=web-archive, capture_timestamp)"
            )
    assert len(problems) <= len(good) * 0.01, report("captures table", problems, len(good))


def test_no_article_from_wrong_capture_via_redirect(bf):
    """Following a redirect capture must not store the target as a capture at the redirect's date."""
    ds = bf["ds"]
    caps = rows(bf["db"], "select * from captures")
    redirect_ts = {c.ts for c in ds.captures if c.kind == "redirect"}
    wrong = [
        c
        for c in caps
        if str(c.get("capture_timestamp") or "")[:14] in redirect_ts
        and c.get("article_id") is not None
    ]
    assert not wrong, report(
        "redirect captures stored as article captures",
        [
            f"capture {c.get('capture_timestamp')} {short(c.get('url'), 120)} -> article {c.get('article_id')}"
            for c in wrong
        ],
        len(redirect_ts),
    )


# ---- politeness, 429, resume


def test_429_honoured_without_losing_a_capture(bf):
    log = bf["log1"]
    throttled = [(i, e) for i, e in enumerate(log) if e["status"] == 429]
    assert throttled, "the fake archive never throttled (test set-up)"
    problems = []
    for i, e in throttled:
        later = [x for x in log[i + 1 :] if x["path"] == e["path"]]
        if not later:
            problems.append(f"429 on {short(e['path'], 160)} never retried (capture lost)")
            continue
        wait = later[0]["t"] - e["t"]
        if wait < 0.8:  # Retry-After: 1, minus timer slack
            problems.append(
                f"429 with Retry-After: 1 on {short(e['path'], 120)} retried after {wait:.2f} s"
            )
        if later[0]["status"] not in (200, 301, 302, 404) and not any(
            x["status"] == 200 for x in later
        ):
            problems.append(
                f"{short(e['path'], 120)}: never answered after the 429 ({[x['status'] for x in later]})"
            )
    assert not problems, report("429 / Retry-After", problems, len(throttled))


def _lying_paths(bf):
    return {c.ts for c in bf["ds"].captures if c.kind == "lying"}


def test_second_backfill_replays_no_capture(bf):
    r2 = bf["r2"]
    assert r2.returncode == 0, f"second backfill exit {r2.returncode}\nstderr: {tail(r2.stderr)}"
    lying = _lying_paths(bf)
    replays = [
        e for e in bf["log2"] if e["path"].startswith("/web/") and e["path"][5:19] not in lying
    ]
    assert not replays, report(
        "captures fetched again by the second backfill",
        [f"{e['status']} {short(e['path'], 160)}" for e in replays],
        len(replays),
    )
    c1, c2 = bf["counts1"], bf["counts2"]
    changed = {
        k: (c1.get(k), c2.get(k))
        for k in ("articles", "views_snapshots", "article_revisions")
        if c1.get(k) != c2.get(k)
    }
    assert not changed, f"second backfill changed the archive: {changed}"


def test_second_backfill_skips_captures_whose_transfer_was_truncated(bf):
    """Captures the archive always serves short of their Content-Length (a truncated body,
    recorded as a failure by the first run) count as processed too (our reading)."""
    lying = _lying_paths(bf)
    replays = [e for e in bf["log2"] if e["path"].startswith("/web/") and e["path"][5:19] in lying]
    assert not replays, report(
        "truncated-transfer captures fetched again by the second backfill",
        [f"{e['status']} {short(e['path'], 160)}" for e in replays],
        len(replays),
    )


def test_every_capture_handled_is_kept_in_wayback_processed(bf):
    _ds, db = bf["ds"], bf["db"]
    assert "wayback_processed" in table_names(db)
    done = {
        (r["original"], str(r["timestamp"]))
        for r in rows(db, "select original, timestamp from wayback_processed")
    }
    done_keys = {(surt(o), t) for o, t in done}
    fetched = {
        (e["info"]["orig"], e["info"]["ts"])
        for e in bf["log1"]
        if e["kind"] == "replay" and isinstance(e["info"], dict) and "orig" in e["info"]
    }
    missing = [f"{ts} {short(o, 140)}" for o, ts in fetched if (surt(o), ts) not in done_keys]
    assert not missing, report("replayed captures not in wayback_processed", missing, len(fetched))


def test_default_politeness_one_request_per_second(bf):
    log = bf["polite_log"]
    assert len(log) >= 4, (
        f"polite run made only {len(log)} requests: {[short(e['path'], 100) for e in log]}"
    )
    times = [e["t"] for e in log]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    mean = sum(gaps) / len(gaps)
    assert mean >= 0.9 and min(gaps) >= 0.45, (
        f"default politeness: intervals between archive requests {[round(g, 2) for g in gaps]} "
        f"(mean {mean:.2f} s) for {[short(e['path'], 70) for e in log]}"
    )
    early = [
        e
        for e in log
        if e["kind"] == "replay" and isinstance(e["info"], dict) and e["info"]["ts"] < "20260601"
    ]
    assert not early, f"--from 20260601 ignored: {[e['info'] for e in early]}"


def test_backfill_runtime(bf):
    assert bf["t1"] < 90, (
        f"backfill of {len(bf['ds'].captures)} captures took {bf['t1']:.1f} s with DOWNLOAD_DELAY=0"
    )
