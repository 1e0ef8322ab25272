"""Item 1 of the issue: `wardcrawler crawl --shard K/N` crawls a stable share of the registry,
by a hash of the slug, so that a portal is always in the same shard.

Readings (ours): the wards a shard crawled are those of its run's per-ward figures
(`crawl_run_wards`, "every ward's figures" of the run, README: Broken wards) and those the
replica saw it ask for; "stable" means that the shard of a slug depends on the slug and N
only: not on the registry's order, its other wards, the ward's URL, the night, or the
process (Python's `hash()` of a string changes with PYTHONHASHSEED, so each run is given
another seed).
"""

from __future__ import annotations

import pytest

from tests.helpers import FAST, free_port, query

from .conftest import N_SHARDS, SHARDS, describe, finish, moved_shard_db, same_requests, start_cli

pytestmark = pytest.mark.timeout(900)


def test_every_ward_is_in_exactly_one_shard(scenario):
    got = {k: scenario.shard_wards[(k, 1)] for k in SHARDS}
    bad = [
        describe(scenario.results.get((f"shard{k}", 1)), f"shard {k}/{N_SHARDS}")
        for k in SHARDS
        if scenario.results[(f"shard{k}", 1)].returncode != 0
    ]
    assert not bad, "\n".join(bad)
    union = set().union(*got.values())
    assert union == set(scenario.all_wards), (
        f"the shards together crawled {sorted(union)}, the registry holds "
        f"{sorted(scenario.all_wards)}; missing {sorted(set(scenario.all_wards) - union)}"
    )
    for a in SHARDS:
        for b in SHARDS:
            if a < b:
                both = got[a] & got[b]
                assert not both, f"wards crawled by shard {a} and by shard {b}: {sorted(both)}"


def test_a_shards_archive_holds_only_its_wards(scenario):
    problems = []
    for k in SHARDS:
        db = moved_shard_db(scenario.root, k)
        assert db.is_file(), describe(scenario.results[(f"shard{k}", 1)], f"shard {k}")
        mine = scenario.shard_wards[(k, 1)]
        others = [
            r
            for r in query(db, "select ward, count(*) n from articles group by ward")
            if r["ward"] not in mine
        ]
        if others:
            problems.append(f"shard {k} (wards {sorted(mine)}) stored articles of {others}")
    assert not problems, "\n".join(problems)


def test_a_shard_asks_only_the_portals_of_its_wards(scenario):
    """Politeness per portal holds across workers: no portal is asked by two shards."""
    problems = []
    for k in SHARDS:
        mine = scenario.shard_wards[(k, 1)]
        asked = scenario.requests[(f"shard{k}", 1)]
        foreign = sorted({slug for slug, _, _ in asked if slug not in mine})
        if foreign:
            problems.append(f"shard {k} (wards {sorted(mine)}) asked the portals of {foreign}")
        silent = sorted(mine - {slug for slug, _, _ in asked})
        if silent:
            problems.append(f"shard {k} never asked its own wards {silent}")
    assert not problems, "\n".join(problems)


def test_the_shards_together_ask_exactly_what_one_process_asks(scenario):
    """Nothing fetched twice, nothing left out: the same requests, one by one."""
    single, shards = scenario.requests[("single", 1)], scenario.requests[("shards", 1)]
    assert single, describe(scenario.results[("single", 1)], "one process")
    same_requests(single, shards, "the three shards")


def test_the_same_ward_stays_in_the_same_shard_night_after_night(scenario):
    problems = []
    for night in (2, 3):
        for k in SHARDS:
            first, later = scenario.shard_wards[(k, 1)], scenario.shard_wards[(k, night)]
            if first != later:
                problems.append(
                    f"shard {k}: night 1 crawled {sorted(first)}, night {night} "
                    f"{sorted(later)} (another PYTHONHASHSEED each night)"
                )
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- a registry of 30, then 36


def _registry(slugs: list[str]) -> str:
    """Wards whose portals do not answer (closed ports on 127.0.0.1): cheap to crawl."""
    return "\n".join(
        f'[[ward]]\nslug = "{slug}"\nname = "Phường {slug}"\nprovince = "Hà Nội"\n'
        f'url = "http://127.0.0.1:{free_port()}/"\nfamily = "hanoi-portal"\n'
        f'categories = ["tin-tuc-su-kien"]\n'
        for slug in slugs
    )


QUICK = [*FAST, "-s", "RETRY_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=5"]


def _shards_of(folder, registry_text, seed):
    """Crawl each shard of a registry (all at once); shard -> (wards of its run, result)."""
    folder.mkdir()
    registry = folder / "wards.toml"
    registry.write_text(registry_text, encoding="utf-8")
    running = {}
    for k in SHARDS:
        (folder / f"s{k}").mkdir()
        db = folder / f"s{k}" / "shard.db"
        args = ["crawl", "--wards", str(registry), "--db", str(db), "--shard", f"{k}/{N_SHARDS}"]
        running[k] = (db, start_cli(*args, *QUICK, env={"PYTHONHASHSEED": seed}))
    out = {}
    for k, (db, process) in running.items():
        result = finish(process, timeout=120)
        rows = query(db, "select ward from crawl_run_wards") if db.is_file() else []
        wards = {r["ward"] for r in rows}
        out[k] = (wards, result)
    return out


@pytest.fixture(scope="module")
def registry_shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assignment")
    slugs = [f"hanoi-phuong{i:02d}" for i in range(30)]
    extra = [f"danang-xa{i:02d}" for i in range(6)]
    first = _shards_of(folder / "first", _registry(slugs), "11")
    # reversed, six wards more, every URL another port, another hash seed
    second = _shards_of(folder / "second", _registry([*extra, *reversed(slugs)]), "12")
    return {"slugs": slugs, "extra": extra, "first": first, "second": second}


def test_shards_partition_any_registry_and_none_is_empty(registry_shards):
    for run, slugs in (
        ("first", registry_shards["slugs"]),
        ("second", registry_shards["slugs"] + registry_shards["extra"]),
    ):
        shards = registry_shards[run]
        for k, (wards, result) in shards.items():
            assert wards, describe(result, f"{run} run: shard {k}/{N_SHARDS} got no ward")
            # every portal of this registry is down: each ward is broken, as in a single run
            assert result.returncode == 3, describe(result, f"{run} run, shard {k}")
            for slug in wards:
                assert f"broken ward {slug}:" in result.stderr, (slug, result.stderr[-2000:])
        union = set().union(*(w for w, _ in shards.values()))
        assert union == set(slugs), sorted(set(slugs) ^ union)
        assert sum(len(w) for w, _ in shards.values()) == len(slugs), "a ward in two shards"


def test_a_slugs_shard_depends_on_the_slug_only(registry_shards):
    moved = []
    for k in SHARDS:
        before, after = registry_shards["first"][k][0], registry_shards["second"][k][0]
        moved += [f"{slug}: shard {k} -> another" for slug in sorted(before - after)]
    assert not moved, (
        "wards that changed shard when the registry was reordered, grew by six wards, "
        "their URLs changed and PYTHONHASHSEED changed:\n" + "\n".join(moved)
    )


@pytest.mark.parametrize("value", ["0/3", "4/3", "1/0", "3", "x/3", "-1/3", "1/3/2"])
def test_a_bad_shard_is_a_bad_command_line(tmp_path, value):
    registry = tmp_path / "wards.toml"
    registry.write_text(_registry(["hanoi-phuong00"]), encoding="utf-8")
    db = tmp_path / "shard.db"
    args = ["crawl", "--wards", str(registry), "--db", str(db), "--shard", value, *QUICK]
    result = finish(start_cli(*args), timeout=60)
    assert result.returncode == 2, describe(result, f"--shard {value}")
    assert not db.exists(), "a bad command line must write nothing"
