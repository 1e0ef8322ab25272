"""Items 1-2 of the issue: three shards merged into one archive, in every order, twice, over
three nights, equal to what one process builds from the same portals.

"Equal" is `archive_content.read_archive`: every table users read (README: Schema), row for
row, with only ids, the clock of the runs, durations and WARC locations normalised (the module
docstring says why each one may differ). The captures are checked apart: each one must be
readable where the merged archive says it is, in `warc/` beside it, once the shards' folders
are gone.
"""

from __future__ import annotations

import pytest

from tests.helpers import datasette_get, query

from .archive_content import differences, read_archive, unreadable_captures, warc_files_are_gzip
from .conftest import (
    HISTORY_ORDERS,
    ONE_CALL,
    ORDERS,
    SHARDS,
    describe,
    merged_db,
    moved_shard_db,
    same_requests,
)

pytestmark = pytest.mark.timeout(900)


def _name(order) -> str:
    how = "one command" if order in ONE_CALL else "one command per shard"
    return "merged in order " + ", ".join(map(str, order)) + f" ({how})"


def _single(scenario, night):
    content = scenario.content[("single", night)]
    assert content is not None, describe(scenario.results[("single", night)], "one process")
    assert content["articles"], "the single-process crawl archived nothing"
    return content


def _merge_results(scenario, step, order):
    if (step, order) in scenario.results:
        return [scenario.results[(step, order)]]
    return [
        scenario.results[(step, order, k)] for k in order if (step, order, k) in scenario.results
    ]


# ---------------------------------------------------------------- the commands succeed


def test_every_shard_crawl_exits_0(scenario):
    bad = [
        describe(scenario.results[(f"shard{k}", night)], f"night {night}, shard {k}")
        for night in (1, 2, 3)
        for k in SHARDS
        if scenario.results[(f"shard{k}", night)].returncode != 0
    ]
    assert not bad, "\n".join(bad)


def test_every_merge_exits_0(scenario):
    ran = [(step, order) for order in ORDERS for step in ("merge", "merge again")]
    ran += [
        (step, order)
        for order in HISTORY_ORDERS
        for step in ("merge night 2", "merge night 3", "merge night 3 again")
    ]
    bad = [
        describe(result, f"{step}, {_name(order)}")
        for step, order in ran
        for result in _merge_results(scenario, step, order)
        if result.returncode != 0
    ]
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------- night 1: one archive


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "order-" + "".join(map(str, o)))
def test_merged_archive_equals_the_single_process_archive(scenario, order):
    single = _single(scenario, 1)
    merged = scenario.content[(order, 1)]
    assert merged is not None, "\n".join(
        describe(r, _name(order)) for r in _merge_results(scenario, "merge", order)
    )
    problems = differences(single, merged)
    assert not problems, f"{_name(order)} differs from one process's archive:\n" + "\n".join(
        problems
    )


def test_merge_order_changes_nothing(scenario):
    first = scenario.content[(ORDERS[0], 1)]
    assert first is not None, "no merged archive"
    problems = []
    for order in ORDERS[1:]:
        other = scenario.content[(order, 1)]
        if other is None:
            problems.append(f"{_name(order)}: no archive")
            continue
        problems += [
            f"{_name(order)} vs {_name(ORDERS[0])}: {p}" for p in differences(first, other)
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "order-" + "".join(map(str, o)))
def test_merging_twice_changes_nothing(scenario, order):
    """Ids included: merging the same shards again must not add, renumber or rewrite a row,
    nor copy a WARC file again."""
    once, twice = scenario.dumps[(order, "once")], scenario.dumps[(order, "twice")]
    assert "missing" not in once, f"no archive after the first merge: {once}"
    changed = [
        f"{table}: {len(set(twice.get(table, [])) - set(rows))} rows new or changed, "
        f"{len(set(rows) - set(twice.get(table, [])))} gone"
        for table, rows in once.items()
        if rows != twice.get(table)
    ]
    assert not changed, f"{_name(order)}, merged a second time:\n" + "\n".join(changed)


def test_ledger_keeps_each_shards_run(scenario):
    """One ledger row per shard and night in the merged archive, as the shard recorded it
    (times, mode, wards, figures, exit code), with its per-ward figures; none doubled."""
    shard_runs = []  # (shard, night, run)
    for k in SHARDS:
        db = moved_shard_db(scenario.root, k)
        assert db.is_file(), describe(scenario.results[(f"shard{k}", 1)], f"shard {k}")
        for key in _ledger(db):
            night = scenario.lineage("merged").of(dict(key)["started_at"])
            shard_runs.append((k, night, key))
        for night in ("round 1", "round 2", "round 3"):
            runs = [key for s, n, key in shard_runs if (s, n) == (k, night)]
            if scenario.shard_wards[(k, 1)]:  # (a shard the hash gave no ward may record none)
                assert len(runs) == 1, f"shard {k} recorded {len(runs)} runs, night {night[-1]}"
    problems = []
    for order in ORDERS:
        nights = ("round 1", "round 2", "round 3") if order in HISTORY_ORDERS else ("round 1",)
        want = sorted(key for _, night, key in shard_runs if night in nights)
        if not merged_db(scenario.root, order).is_file():
            problems.append(f"{_name(order)}: no archive")
            continue
        got = sorted(_ledger(merged_db(scenario.root, order)))
        if got != want:
            missing = [dict(k)["started_at"] for k in want if k not in got]
            extra = [dict(k)["started_at"] for k in got if k not in want]
            problems.append(
                f"{_name(order)}: {len(got)} crawl runs in the ledger, {len(want)} shard runs "
                f"merged; shard runs not kept as recorded (started at): {missing}; runs that "
                f"are no shard's (or doubled): {extra}"
            )
    assert not problems, "\n".join(problems)


LEDGER = (
    "started_at", "finished_at", "status", "mode", "wards", "pages", "articles_new",
    "articles_updated", "articles_unchanged", "articles_gone", "failed", "parse_failures",
    "broken_wards", "exit_code",
)  # fmt: skip


def _ledger(db) -> list[tuple]:
    """The crawl runs of an archive's ledger, each with its per-ward figures, ids left out."""
    out = []
    for run in query(db, "select * from crawl_runs where mode in ('incremental', 'full')"):
        figures = query(db, "select * from crawl_run_wards where run_id = ?", (run["id"],))
        per_ward = tuple(
            sorted(tuple(sorted((c, v) for c, v in f.items() if c != "run_id")) for f in figures)
        )
        out.append((*((c, run[c]) for c in LEDGER), ("per-ward figures", per_ward)))
    return out


# ---------------------------------------------------------------- nights 2 and 3: history


def test_incremental_shards_fetch_only_what_one_process_fetches(scenario):
    """A shard knows what the archive holds: its incremental decisions re-fetch nothing that
    one process, knowing the whole archive, would not."""
    single, shards = scenario.requests[("single", 2)], scenario.requests[("shards", 2)]
    assert single, describe(scenario.results[("single", 2)], "night 2, one process")
    assert len(single) < len(scenario.requests[("single", 1)]) / 2, "night 2 was no increment"
    same_requests(single, shards, "the three shards, night 2 (incremental)")


@pytest.mark.parametrize("night", [2, 3], ids=["night2-incremental", "night3-full"])
@pytest.mark.parametrize("order", HISTORY_ORDERS, ids=lambda o: "order-" + "".join(map(str, o)))
def test_history_after_more_nights_equals_the_single_process_archive(scenario, order, night):
    single = _single(scenario, night)
    if night == 2:
        # the night's history: new articles and view-count points of the refreshed ones
        assert any(("seen_at", "round 2") in r for r in single["views_snapshots"])
    else:
        # the full crawl brings the edits and removals: revisions and tombstones
        assert single["article_revisions"], "the --full night kept no revision"
        assert any(("gone_at", "round 3") in r for r in single["articles"]), "no tombstone"
    merged = scenario.content[(order, night)]
    assert merged is not None, f"{_name(order)}: no archive after night {night}"
    focus = ("views_snapshots", "article_revisions", "articles")
    problems = differences(single, merged, tables=focus)
    problems += differences(single, merged, tables=[t for t in single if t not in focus])
    assert not problems, f"{_name(order)} after night {night}:\n" + "\n".join(problems)


def test_merging_twice_after_three_nights_changes_nothing(scenario):
    order = HISTORY_ORDERS[1]
    once = scenario.dumps[(order, "night 3 once")]
    twice = scenario.dumps[(order, "night 3 twice")]
    assert "missing" not in once, once
    changed = [t for t, rows in once.items() if rows != twice.get(t)]
    assert not changed, f"{_name(order)}, night 3 merged again, changed: {changed}"


def test_full_night_shards_fetch_what_one_process_fetches(scenario):
    single, shards = scenario.requests[("single", 3)], scenario.requests[("shards", 3)]
    assert single, describe(scenario.results[("single", 3)], "night 3, one process")
    same_requests(single, shards, "the three shards, night 3 (--full)")


# ---------------------------------------------------------------- captures, beside the archive


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "order-" + "".join(map(str, o)))
def test_every_capture_is_readable_beside_the_merged_archive(scenario, order):
    """Once the shards' folders are gone (moved away), each capture's record is read from the
    WARC folder beside the merged archive: the record of that URL, with that digest."""
    db = merged_db(scenario.root, order)
    assert db.is_file(), f"{_name(order)}: no archive"
    count, problems = unreadable_captures(db)
    expected = len(scenario.content[("single", 3 if order in HISTORY_ORDERS else 1)]["captures"])
    assert count == expected, f"{count} live captures, one process made {expected}"
    assert not problems, f"{len(problems)} of {count} captures unreadable:\n" + "\n".join(
        problems[:12]
    )
    assert not warc_files_are_gzip(db)


def test_capture_pages_serve_what_was_fetched(scenario):
    """`/-/capture/ID` (the raw page of an article's page in Datasette) of the merged archive
    returns what the single archive's capture of the same response returns."""
    merged, single = merged_db(scenario.root, HISTORY_ORDERS[0]), scenario.single
    assert single.is_file() and merged.is_file(), "no archive to compare"
    mine = _captures_by_response(merged, scenario.lineage("merged"))
    theirs = _captures_by_response(single, scenario.lineage("single"))
    sample = sorted(set(mine) & set(theirs))
    assert len(sample) >= len(theirs) * 0.9, "the archives do not share their captures"
    # one response of each ward and kind
    picked, seen = [], set()
    for key in sample:
        if (key[0], key[1]) not in seen:
            seen.add((key[0], key[1]))
            picked.append(key)
    got = datasette_get(merged, *(f"/-/capture/{mine[k]}" for k in picked))
    want = datasette_get(single, *(f"/-/capture/{theirs[k]}" for k in picked))
    problems = []
    for key, g, w in zip(picked, got, want, strict=True):
        if g.status_code != 200 or g.content != w.content:
            problems.append(f"{key[:3]}: merged answers {g.status_code}, {len(g.content)} bytes; "
                            f"single {w.status_code}, {len(w.content)} bytes")  # fmt: skip
        elif g.headers.get("x-wardcrawler-status") != w.headers.get("x-wardcrawler-status"):
            problems.append(f"{key[:3]}: status header {g.headers.get('x-wardcrawler-status')}")
    assert picked and not problems, "\n".join(problems)


def _captures_by_response(db, rounds) -> dict:
    """(ward, kind, url, status, digest, round) -> a capture id; the first of duplicates."""
    out = {}
    for c in query(db, "select * from captures where source = 'live' order by id"):
        key = (c["ward"], c["kind"], c["url"], c["status"], c["payload_digest"],
               rounds.of(c["fetched_at"]))  # fmt: skip
        out.setdefault(key, c["id"])
    return out


# ---------------------------------------------------------------- search and rebuild


SEARCHES = ["phường", "phuong", "Đảng", "dang bo", '"tổ dân phố"', "uỷ ban", "ủy ban"]


def test_search_finds_the_same_articles(scenario):
    merged, single = merged_db(scenario.root, HISTORY_ORDERS[0]), scenario.single
    assert single.is_file() and merged.is_file(), "no archive to compare"

    def found(db):
        paths = [
            f"/{db.stem}/articles.json?_search={q}&_shape=array&_col=ward&_col=article_key"
            "&_size=max"
            for q in SEARCHES
        ]
        answers = datasette_get(db, *paths)
        return [
            sorted((r["ward"], r["article_key"]) for r in a.json()) if a.status_code == 200
            else a.status_code
            for a in answers
        ]  # fmt: skip

    want, got = found(single), found(merged)
    assert all(isinstance(w, list) and w for w in want), want
    bad = [f"{q!r}: {len(w)} articles in one process's archive, got {g if isinstance(g, int) else len(g)}"
           for q, w, g in zip(SEARCHES, want, got, strict=True) if w != g]  # fmt: skip
    assert not bad, "\n".join(bad)


def test_reparse_of_the_merged_warc_files_rebuilds_the_same_archive(scenario):
    """`wardcrawler reparse` on the merged archive's WARC folder alone gives what it gives on
    the single process's: the same articles, categories, links, history and captures."""
    for name in ("single", "merged"):
        result = scenario.results[("reparse", name)]
        assert result.returncode == 0, describe(result, f"reparse of the {name} WARC files")
    rebuilt = {name: read_archive(*scenario.rebuilt[name]) for name in ("single", "merged")}
    assert rebuilt["single"]["articles"], "reparse of one process's WARC files: no article"
    tables = (
        "articles", "views_snapshots", "article_revisions", "categories", "article_categories",
        "listing_entries", "attachments", "captures", "wards",
    )  # fmt: skip
    problems = differences(rebuilt["single"], rebuilt["merged"], tables=tables)
    assert not problems, "rebuilt from the merged WARC files:\n" + "\n".join(problems)
    # and the rebuilt articles are the merged archive's own
    merged = scenario.content[(HISTORY_ORDERS[0], 3)]
    problems = differences(merged, rebuilt["merged"], tables=("articles",))
    assert not problems, "\n".join(problems)
