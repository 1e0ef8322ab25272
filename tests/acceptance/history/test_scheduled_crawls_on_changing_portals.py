"""Check 2: scheduled crawls (incremental, --full, history, lock, SIGKILL) against independent
changing portals.

Scenario (one module fixture):
1. run 1: first crawl of the five portals into A (their state 0);
2. on B: a crawl slowed down by the portals; while it runs a second crawl of B is started
   (must exit 75 at once, having asked no portal anything), then the first is SIGKILLed half-way;
   a new crawl of B completes it. B must equal A (articles, categories, histories);
3. a night of changes on the portals;
4. run 2: incremental crawl of A; 5. run 3: ``--full`` crawl of A.

Readings (ours): "same database" = same article rows (identity, title, body, views, posted_at,
categories, gone_at unset), same view-count values per article, same number of revisions, same
category rows; "requests" = every HTTP request that reached the portals (robots.txt included);
category_names = the names (as shown) of the registry categories whose listings show the article.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import defaultdict

import pytest

from . import content as C
from .changing_portals import ChangingPortals
from .helpers import cats_of, first_diff, parse_time, popen_wc, report, rows, run_wc, short, tail

pytestmark = pytest.mark.timeout(240)

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def _crawl(reg, db, *extra, timeout=120):
    return run_wc(["crawl", "--wards", str(reg), "--db", str(db), *FAST, *extra], timeout=timeout)


def _state(db, cp: ChangingPortals) -> dict:
    """Our reading of an archive: (ward, ident) -> fields; with histories."""
    fam = {w.slug: w.family for w in cp.wards}
    snaps, revs = defaultdict(list), defaultdict(list)
    for s in rows(db, "select * from views_snapshots order by seen_at, id"):
        snaps[s["article_id"]].append(s["views"])
    for r in rows(db, "select * from article_revisions order by seen_at, id"):
        revs[r["article_id"]].append(r)
    arts = defaultdict(list)
    for r in rows(db, "select * from articles"):
        key = (
            r["ward"],
            C.ident_of(fam.get(r["ward"], C.FAMILY_HP), r.get("url"), r.get("article_key")),
        )
        vals = []
        for v in snaps.get(r["id"], []):
            if not vals or vals[-1] != v:
                vals.append(v)
        r["_views_hist"] = vals
        r["_revisions"] = revs.get(r["id"], [])
        arts[key].append(r)
    cats = sorted((c["ward"], c["name"]) for c in rows(db, "select ward, name from categories"))
    return {"arts": arts, "cats": cats}


@pytest.fixture(scope="module")
def sched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schedule")
    out = {}
    with ChangingPortals() as cp:
        reg = tmp / "wards.toml"
        reg.write_text(cp.registry_toml(), encoding="utf-8")
        db_a, db_b = tmp / "a.db", tmp / "b.db"
        out.update(cp=cp, db_a=db_a, db_b=db_b)

        # 1. first crawl
        cp.reset_log()
        out["r1"] = _crawl(reg, db_a)
        out["req1"] = cp.requests()
        out["truth0"] = cp.truth()
        out["state_a0"] = _state(db_a, cp) if db_a.exists() else None

        # 2. lock + SIGKILL on B
        cp.reset_log()
        cp.delay = 0.05
        ev_lock, ev_kill = threading.Event(), threading.Event()
        cp.watch = (max(5, out["req1"] // 5), ev_lock)
        victim = popen_wc(["crawl", "--wards", str(reg), "--db", str(db_b), *FAST])
        try:
            ev_lock.wait(30)
            n_before = cp.requests()
            t0 = time.monotonic()
            second = run_wc(["crawl", "--wards", str(reg), "--db", str(db_b), *FAST], timeout=60)
            out["lock"] = {
                "rc": second.returncode,
                "secs": time.monotonic() - t0,
                "stderr": second.stderr,
                "stdout": second.stdout,
                "victim_alive": victim.poll() is None,
            }
            cp.watch = (max(n_before + 5, out["req1"] // 2), ev_kill)
            ev_kill.wait(30)
            out["killed_at"] = cp.requests()
            out["victim_alive_at_kill"] = victim.poll() is None
            victim.send_signal(signal.SIGKILL)
        finally:
            victim.communicate(timeout=30)
        cp.watch = None
        cp.delay = 0.0
        out["r_resume"] = _crawl(reg, db_b)
        out["state_b"] = _state(db_b, cp) if db_b.exists() else None

        # 3. a night passes
        cp.night()
        out["truth1"] = cp.truth()
        out["changes"] = {w.slug: dict(w.changes) for w in cp.wards}

        # 4. incremental
        cp.reset_log()
        out["r2"] = _crawl(reg, db_a)
        out["req2"] = cp.requests()
        out["log2"] = list(cp.log)
        out["state_a1"] = _state(db_a, cp)

        # 5. full
        cp.reset_log()
        out["r3"] = _crawl(reg, db_a, "--full")
        out["req3"] = cp.requests()
        out["state_a2"] = _state(db_a, cp)
    yield out


def _where(t) -> str:
    w = t["ward"]
    return f"ward {w.slug} ({w.family}{'/' + w.theme if w.theme else ''}) {short(t['url'], 110)}"


def _html_snippet(t) -> str:
    return f"[title HTML as served: {short(C.html_text(t['version'].title, nfd=t['art'].quirks.nfd_title), 100)!r}]"


def _compare_fields(t, r, fields=("title", "views", "posted_at", "body")) -> list:
    a, v = t["art"], t["version"]
    out = []
    for f in fields:
        if f == "title" and r.get("title") != C.norm(v.title):
            out.append(
                f"title expected {C.norm(v.title)!r}, got {short(r.get('title'), 140)!r} {_html_snippet(t)}"
            )
        if f == "views" and r.get("views") != v.views:
            out.append(f"views expected {v.views}, got {r.get('views')}")
        if f == "posted_at":
            d = parse_time(r.get("posted_at"))
            if d != a.posted_aware or not str(r.get("posted_at")).endswith("+07:00"):
                out.append(
                    f"posted_at expected {a.posted_aware.isoformat()}, got {r.get('posted_at')!r}"
                )
        if f == "body" and r.get("body") != v.body:
            out.append("body: " + first_diff(v.body, r.get("body")))
        if f == "cats" and set(cats_of(r)) != t["cats"]:
            out.append(f"category_names expected {sorted(t['cats'])}, got {cats_of(r)}")
    return out


# ---------------------------------------------------------------- first run, exit codes


def test_runs_exit_cleanly(sched):
    bad = []
    for k, name in (
        ("r1", "first crawl"),
        ("r2", "incremental crawl"),
        ("r3", "--full crawl"),
        ("r_resume", "crawl after SIGKILL"),
    ):
        r = sched[k]
        if r.returncode != 0:
            bad.append(
                f"{name}: exit {r.returncode}\n    stdout: {tail(r.stdout, 600)}\n    stderr: {tail(r.stderr, 1500)}"
            )
    assert not bad, "\n".join(bad)


def test_first_crawl_archives_every_article(sched):
    st, truth = sched["state_a0"], sched["truth0"]
    assert st is not None, f"no database after the first crawl: {tail(sched['r1'].stderr)}"
    problems = []
    for key, t in truth.items():
        got = st["arts"].get(key, [])
        if len(got) != 1:
            problems.append(f"{_where(t)}: expected 1 row, got {len(got)}")
            continue
        problems += [
            f"{_where(t)}: {p}"
            for p in _compare_fields(t, got[0], ("title", "views", "posted_at", "body", "cats"))
        ]
    extra = [
        f"unexpected row {k} {short(r[0].get('title'), 80)!r}"
        for k, r in st["arts"].items()
        if k not in truth
    ]
    assert not problems and not extra, report("first crawl", problems + extra, len(truth))


# ---------------------------------------------------------------- incremental


def test_incremental_archives_new_articles_without_duplicates(sched):
    st, truth = sched["state_a1"], sched["truth1"]
    problems = []
    for w, ch in sched["changes"].items():
        for ident in ch["new"]:
            t = truth[(w, ident)]
            got = st["arts"].get((w, ident), [])
            if len(got) != 1:
                problems.append(f"{_where(t)}: new article: expected 1 row, got {len(got)}")
                continue
            problems += [f"{_where(t)} (new): {p}" for p in _compare_fields(t, got[0])]
    dups = [f"{k}: {len(v)} rows" for k, v in st["arts"].items() if len(v) > 1]
    missing_old = [f"{k}" for k in sched["truth0"] if k not in st["arts"]]
    assert not problems and not dups and not missing_old, report(
        "incremental run",
        problems + [f"duplicate {d}" for d in dups] + [f"old row lost {m}" for m in missing_old],
        sum(len(c["new"]) for c in sched["changes"].values()),
    )


def test_incremental_costs_at_most_a_third_of_the_first_run(sched):
    r1, r2 = sched["req1"], sched["req2"]
    per = defaultdict(list)
    for e in sched["log2"]:
        per[e["ward"]].append(e["path"])
    detail = "\n".join(
        f"  {w}: {len(p)} requests: {[short(x, 70) for x in p[:14]]}" for w, p in per.items()
    )
    assert r2 <= r1 / 3, (
        f"incremental run sent {r2} requests, first run {r1} (limit {r1 / 3:.0f})\n{detail}"
    )


def _listing_page(path):
    m = re.search(r"[?&](?:_101_cur|page|cur)=(\d+)", path)
    cat = path.split("?", 1)[0].strip("/")
    return cat, (int(m.group(1)) if m else 1)


def test_incremental_pages_only_while_listings_show_new_articles(sched):
    """README: the pager is followed only while listing pages show articles not held yet.
    After our night, only page 1 of a category shows new articles, so at most page 2 may be read."""
    bad = []
    for e in sched["log2"]:
        p = e["path"]
        if "urlTitle" in p or "/-/view_content/" in p or p.endswith(".htm") or p == "/robots.txt":
            continue
        cat, page = _listing_page(p)
        if page > 2:
            bad.append(
                f"ward {e['ward']}: listing {cat} page {page} read although page {page - 1} showed nothing new: {short(p, 200)}"
            )
    assert not bad, report(
        "incremental listing pages read past the new articles", bad, len(sched["log2"])
    )


def test_incremental_refreshes_recent_articles(sched):
    """Articles posted within --refresh-days (30) are fetched again: their counters are current."""
    st, truth = sched["state_a1"], sched["truth1"]
    problems = []
    for key, t in truth.items():
        a, v = t["art"], t["version"]
        if t["removed"] or len(t["versions"]) < 2 or v.views is None:
            continue
        if (sched["cp"].now - a.posted).days > 25:
            continue
        got = st["arts"].get(key, [])
        if len(got) == 1 and got[0].get("views") != v.views:
            problems.append(
                f"{_where(t)} posted {a.posted:%Y-%m-%d}: views expected {v.views}, got {got[0].get('views')}"
            )
    assert not problems, report("recent articles after the incremental run", problems, len(truth))


# ---------------------------------------------------------------- full


def test_full_updates_every_counter_title_and_body(sched):
    st, truth = sched["state_a2"], sched["truth1"]
    problems, n = [], 0
    for key, t in truth.items():
        if t["removed"]:
            continue
        n += 1
        got = st["arts"].get(key, [])
        if len(got) != 1:
            problems.append(f"{_where(t)}: expected 1 row, got {len(got)}")
            continue
        problems += [
            f"{_where(t)}: {p}"
            for p in _compare_fields(t, got[0], ("title", "views", "body", "posted_at"))
        ]
        if got[0].get("gone_at"):
            problems.append(f"{_where(t)}: live article has gone_at={got[0]['gone_at']!r}")
    assert not problems, report("after --full", problems, n)


def test_full_keeps_old_title_and_body_as_revisions(sched):
    st, truth = sched["state_a2"], sched["truth1"]
    problems = []
    for w, ch in sched["changes"].items():
        for what in ("title", "body"):
            key = (w, ch[what])
            t = truth[key]
            old = t["versions"][0]
            got = st["arts"].get(key, [])
            if len(got) != 1:
                problems.append(f"{_where(t)}: edited {what}: expected 1 row, got {len(got)}")
                continue
            revs = got[0]["_revisions"]
            want = C.norm(old.title) if what == "title" else old.body
            have = [
                C.norm(r.get("title") or "") if what == "title" else r.get("body") for r in revs
            ]
            if want not in have:
                problems.append(
                    f"{_where(t)}: edited {what}: previous {what} {short(want, 90)!r} not among "
                    f"{len(revs)} revisions {[short(h, 60) for h in have]}"
                )
    assert not problems, report("article_revisions", problems, 2 * len(sched["changes"]))


def test_full_keeps_removed_articles_with_gone_at(sched):
    st, truth = sched["state_a2"], sched["truth1"]
    problems = []
    for w, ch in sched["changes"].items():
        key = (w, ch["removed"])
        t = truth[key]
        status, loc = t["removed"]
        got = st["arts"].get(key, [])
        if len(got) != 1:
            problems.append(
                f"{_where(t)}: removed ({status}): expected its row kept, got {len(got)} rows"
            )
            continue
        r = got[0]
        if not r.get("gone_at"):
            problems.append(
                f"{_where(t)}: page now answers {status}{' -> ' + loc if loc else ''}: gone_at not set "
                f"(gone_status={r.get('gone_status')!r})"
            )
            continue
        if str(r.get("gone_status")) != str(status):
            problems.append(
                f"{_where(t)}: gone_status expected {status}, got {r.get('gone_status')!r}"
            )
        if loc and r.get("gone_location") != loc:
            problems.append(
                f"{_where(t)}: gone_location expected {loc!r}, got {r.get('gone_location')!r}"
            )
        old = t["versions"][-1]
        if r.get("title") != C.norm(old.title):
            problems.append(f"{_where(t)}: removed article's title changed to {r.get('title')!r}")
    assert not problems, report("removed articles", problems, len(sched["changes"]))


def test_full_leaves_view_histories(sched):
    st, truth = sched["state_a2"], sched["truth1"]
    problems, n = [], 0
    for key, t in truth.items():
        if t["removed"] or t["version"].views is None:
            continue
        got = st["arts"].get(key, [])
        if len(got) != 1:
            continue
        exp = []
        for v in t["versions"]:
            if not exp or exp[-1] != v.views:
                exp.append(v.views)
        n += 1
        if got[0]["_views_hist"] != exp:
            problems.append(
                f"{_where(t)}: views_snapshots values expected {exp}, got {got[0]['_views_hist']}"
            )
    assert not problems, report("view-count histories", problems, n)


def test_full_categories(sched):
    st, truth = sched["state_a2"], sched["truth1"]
    problems = []
    for key, t in truth.items():
        got = st["arts"].get(key, [])
        if len(got) == 1 and not t["removed"]:
            problems += [f"{_where(t)}: {p}" for p in _compare_fields(t, got[0], ("cats",))]
    assert not problems, report("category_names", problems, len(truth))


# ---------------------------------------------------------------- lock, SIGKILL


def test_second_run_exits_at_once_with_75(sched):
    lk = sched["lock"]
    assert lk["victim_alive"], "test set-up: the first crawl had already finished"
    assert lk["rc"] == 75 and lk["secs"] < 10, (
        f"second crawl while one runs: exit {lk['rc']} after {lk['secs']:.1f} s\nstdout: {tail(lk['stdout'], 500)}\n"
        f"stderr: {tail(lk['stderr'], 1200)}"
    )


def test_sigkill_then_new_run_equals_uninterrupted_run(sched):
    assert sched["victim_alive_at_kill"], "test set-up: the crawl finished before the SIGKILL"
    a, b = sched["state_a0"], sched["state_b"]
    assert b is not None, f"no database after SIGKILL + new run: {tail(sched['r_resume'].stderr)}"
    problems = []
    fields = ("title", "views", "posted_at", "body", "category_names", "gone_at")
    for key in sorted(set(a["arts"]) | set(b["arts"]), key=str):
        ra, rb = a["arts"].get(key, []), b["arts"].get(key, [])
        if len(ra) != len(rb):
            problems.append(
                f"{key}: {len(ra)} row(s) uninterrupted, {len(rb)} after SIGKILL + rerun"
            )
            continue
        if not ra:
            continue
        x, y = ra[0], rb[0]
        for f in fields:
            fx, fy = x.get(f), y.get(f)
            if f == "category_names":
                fx, fy = sorted(cats_of(x)), sorted(cats_of(y))
            if fx != fy:
                problems.append(
                    f"{key} {f}: uninterrupted {short(fx, 90)!r}, after kill {short(fy, 90)!r}"
                )
        if x["_views_hist"] != y["_views_hist"]:
            problems.append(
                f"{key} views history: uninterrupted {x['_views_hist']}, after kill {y['_views_hist']}"
            )
        if len(x["_revisions"]) != len(y["_revisions"]):
            problems.append(
                f"{key} revisions: uninterrupted {len(x['_revisions'])}, after kill {len(y['_revisions'])}"
            )
    if a["cats"] != b["cats"]:
        problems.append(f"categories: uninterrupted {a['cats']}, after kill {b['cats']}")
    assert not problems, report(
        f"SIGKILL after {sched['killed_at']} requests, then a new run", problems, len(a["arts"])
    )


def test_sigkill_rerun_same_canonical_urls(sched):
    """The canonical url of each article is the same as in the uninterrupted run (for Liferay
    articles listed on two category pages it must not depend on which listing was read first)."""
    a, b = sched["state_a0"], sched["state_b"]
    assert b is not None
    problems = []
    for key in a["arts"]:
        ra, rb = a["arts"].get(key, []), b["arts"].get(key, [])
        if len(ra) == 1 and len(rb) == 1 and ra[0].get("url") != rb[0].get("url"):
            problems.append(
                f"{key}: uninterrupted {short(ra[0].get('url'), 200)}\n      after kill   {short(rb[0].get('url'), 200)}"
            )
    assert not problems, report(
        "canonical url differs after SIGKILL + rerun", problems, len(a["arts"])
    )
