"""The run ledger and the verdict on broken wards."""

import json

from wardcrawler.extract.article import ArticleFields
from wardcrawler.items import ArticlePage, ListingEntry, PageFailure
from wardcrawler.store.archive import Archive
from wardcrawler.store.ledger import RunLedger, broken_reason
from wardcrawler.store.recorder import Recorder

HEALTHY = {"pages": 40, "listed": 60, "parse_failures": 0}


def test_healthy_ward():
    assert broken_reason(HEALTHY, [HEALTHY, HEALTHY]) is None


def test_ward_that_yields_nothing():
    assert "yielded nothing" in broken_reason({**HEALTHY, "listed": 0}, [HEALTHY])
    assert "yielded nothing" in broken_reason({"pages": 0, "listed": 0}, [])


def test_parse_failures_jump():
    history = [{**HEALTHY, "parse_failures": 1}] * 3
    assert "parse failures jumped" in broken_reason({**HEALTHY, "parse_failures": 30}, history)
    assert broken_reason({**HEALTHY, "parse_failures": 2}, history) is None


def test_counts_fall_far_below_recent_runs():
    assert "recent runs 60" in broken_reason({**HEALTHY, "listed": 20}, [HEALTHY] * 3)
    assert broken_reason({**HEALTHY, "listed": 20}, [HEALTHY]) is None  # too little history


def test_ledger_records_runs_and_broken_wards(tmp_path):
    archive = Archive(tmp_path / "a.db")
    archive.save_ward({"slug": "w1", "name": "W", "province": "P", "district": None,
                       "url": "http://w1/", "family": "hanoi-portal"})  # fmt: skip
    ledger = RunLedger(archive.db)
    for _ in range(3):
        run = ledger.start(["w1"], "incremental")
        assert ledger.finish(run, {"w1": dict(HEALTHY)}, {"finish_reason": "finished"}) == {}
    run = ledger.start(["w1"], "incremental")
    ledger.record_error(run, "w1", "http://w1/x", 503, "HTTP 503")
    broken = ledger.finish(run, {"w1": {**HEALTHY, "listed": 3}}, {"finish_reason": "finished"})
    assert list(broken) == ["w1"]
    row = archive.db["crawl_runs"].get(run)
    assert json.loads(row["broken_wards"]) == broken and row["mode"] == "incremental"
    assert archive.db["crawl_run_wards"].get((run, "w1"))["broken"] == broken["w1"]
    assert archive.db["fetch_errors"].count == 1


# Layout changes: a field that suddenly comes back empty, or dates that stop being found.
# A healthy run of a portal that shows views, body and date on every article it parsed:
SHOWN = {**HEALTHY, "articles_parsed": 10, "views_missing": 0, "body_missing": 0,
         "date_missing": 0}  # fmt: skip


def test_views_that_suddenly_go_missing_are_named():
    reason = broken_reason({**SHOWN, "views_missing": 9}, [SHOWN] * 3)
    assert reason == "views missing on 9 of 10 articles (recent runs: 0 %)"
    # present on most recent articles: a median share missing below 10 %
    rare = {**SHOWN, "articles_parsed": 20, "views_missing": 1}
    assert broken_reason({**SHOWN, "views_missing": 9}, [rare] * 3).endswith("(recent runs: 5 %)")
    usual = {**SHOWN, "views_missing": 1}  # one in ten already without one: at the limit
    assert broken_reason({**SHOWN, "views_missing": 9}, [usual] * 3) is None
    assert broken_reason({**SHOWN, "views_missing": 5}, [SHOWN] * 3) is None  # half: not most


def test_a_body_that_suddenly_goes_missing_is_named():
    reason = broken_reason({**SHOWN, "body_missing": 10}, [SHOWN, {**SHOWN, "body_missing": 1}])
    assert reason == "body missing on 10 of 10 articles (recent runs: 5 %)"
    both = broken_reason({**SHOWN, "body_missing": 7, "views_missing": 8}, [SHOWN])
    assert both == ("views missing on 8 of 10 articles (recent runs: 0 %); "
                    "body missing on 7 of 10 articles (recent runs: 0 %)")  # fmt: skip


def test_a_jump_of_missing_dates_is_named():
    history = [{**SHOWN, "parse_failures": 1, "date_missing": 0}] * 3
    run = {**SHOWN, "articles_parsed": 3, "parse_failures": 13, "date_missing": 12}
    reason = broken_reason(run, history)
    assert reason == "posted date missing on 12 of 15 articles (recent runs: 0)"
    # failures that are mostly something else stay parse failures
    other = {**run, "date_missing": 4}
    assert broken_reason(other, history) == "parse failures jumped to 13 (recent median 1)"
    # recent runs recorded before the figure existed: their parse failures bound it
    older = [{**HEALTHY, "parse_failures": 1, "date_missing": None}] * 3
    assert broken_reason(run, older).endswith("(recent runs: 1 parse failures)")


def test_a_portal_that_never_shows_a_counter_is_never_flagged_for_it():
    # the hanoi-portal family shows no view counter: views are always missing
    never = {**SHOWN, "views_missing": 10}
    assert broken_reason(never, [never] * 5) is None
    assert broken_reason(never, [never]) is None
    mostly = {**SHOWN, "articles_parsed": 40, "views_missing": 39}
    assert broken_reason(never, [mostly, never, {**SHOWN, "articles_parsed": 0}]) is None
    # nor is a portal that shows one on only some of its articles
    some = {**SHOWN, "views_missing": 4}
    assert broken_reason(never, [some] * 5) is None


def test_a_first_run_is_never_flagged_for_an_empty_field():
    assert broken_reason({**SHOWN, "views_missing": 10, "body_missing": 10}, []) is None


def test_runs_recorded_before_the_figures_are_no_history_for_them():
    old = {**HEALTHY, "articles_parsed": None, "views_missing": None, "body_missing": None}
    run = {**SHOWN, "views_missing": 10, "body_missing": 10}
    assert broken_reason(run, [old] * 5) is None
    assert broken_reason(run, [HEALTHY] * 5) is None  # rows without the keys at all
    # only the runs with the figure count
    assert broken_reason(run, [old, old, old, SHOWN]).startswith("views missing on 10 of 10")
    # a run with no article parsed says nothing about its fields
    idle = {**SHOWN, "articles_parsed": 0, "views_missing": 0}
    assert broken_reason(run, [idle] * 3) is None


def test_small_runs_are_not_flagged_for_an_empty_field():
    for parsed in (1, 2):
        run = {**SHOWN, "articles_parsed": parsed, "views_missing": parsed, "body_missing": parsed}
        assert broken_reason(run, [SHOWN] * 5) is None
    run = {**SHOWN, "articles_parsed": 3, "views_missing": 2}
    assert broken_reason(run, [SHOWN] * 5) == "views missing on 2 of 3 articles (recent runs: 0 %)"


def crawl(archive: Archive, pages: dict[str, list], mode: str = "incremental") -> dict[str, str]:
    """One finished run of the real recorder and ledger over the items of each ward."""
    ledger = RunLedger(archive.db)
    run = ledger.start(list(pages), mode)
    recorder = Recorder(archive, ledger, run)
    for items in pages.values():
        for item in items:
            assert recorder.record(item)
    per_ward = {ward: {"pages": 10, **recorder.figures(ward)} for ward in pages}
    return ledger.finish(run, per_ward, {"finish_reason": "finished"})


def articles(ward: str, views: str | None, paragraphs: list[str], count: int = 4) -> list:
    """A listing of `count` articles and their pages, each showing `views` and `paragraphs`."""
    items: list = []
    for n in range(count):
        key, url = f"{n}", f"http://{ward}/tin/bai-{n}.htm"
        fields = ArticleFields(f"Bài {n}", "06:30 15/09/2023", views, paragraphs, "Tin")
        items += [ListingEntry(ward, f"http://{ward}/tin", "Tin", key, article_url=url),
                  ArticlePage(ward, key, url, fields)]  # fmt: skip
    return items


def saved_wards(archive: Archive) -> None:
    for slug, family in (("w1", "liferay-view-content"), ("w2", "hanoi-portal")):
        archive.save_ward({"slug": slug, "name": slug, "province": "P", "district": None,
                           "url": f"http://{slug}/", "family": family})  # fmt: skip


def test_the_recorder_counts_missing_fields_and_the_ledger_names_them(tmp_path):
    archive = Archive(tmp_path / "a.db")
    saved_wards(archive)
    body = ["Đoạn một.", "Đoạn hai."]
    healthy = {"w1": articles("w1", "Lượt xem: 12", body), "w2": articles("w2", None, body)}
    for _ in range(3):  # new, then unchanged: every article page parsed counts
        assert crawl(archive, healthy) == {}
    themed = articles("w1", None, []) + [
        PageFailure("w1", "http://w1/tin/bai-9.htm", 200, "no posted date found", "<html/>"),
        PageFailure("w1", "http://w1/tin/bai-8.htm", 200, "impossible date 31/02/2023"),
        PageFailure("w1", "http://w1/tin?page=2", 503, "HTTP 503"),
    ]
    broken = crawl(archive, {"w1": themed, "w2": healthy["w2"]})
    assert broken == {"w1": "views missing on 4 of 4 articles (recent runs: 0 %); "
                            "body missing on 4 of 4 articles (recent runs: 0 %)"}  # fmt: skip
    columns = (
        "run_id, ward, articles_new, articles_updated, articles_unchanged, parse_failures,"
        " articles_parsed, views_missing, body_missing, date_missing"
    )
    rows = archive.db.query(f"select {columns} from crawl_run_wards order by run_id, ward")
    assert [tuple(r.values()) for r in rows] == [
        (1, "w1", 4, 0, 0, 0, 4, 0, 0, 0), (1, "w2", 4, 0, 0, 0, 4, 4, 0, 0),
        (2, "w1", 0, 0, 4, 0, 4, 0, 0, 0), (2, "w2", 0, 0, 4, 0, 4, 4, 0, 0),
        (3, "w1", 0, 0, 4, 0, 4, 0, 0, 0), (3, "w2", 0, 0, 4, 0, 4, 4, 0, 0),
        (4, "w1", 0, 4, 0, 2, 4, 4, 4, 2), (4, "w2", 0, 0, 4, 0, 4, 4, 0, 0),
    ]  # fmt: skip
    assert archive.db["crawl_run_wards"].get((4, "w1"))["broken"] == broken["w1"]
    views = {r["views"] for r in archive.db.query("select views from articles where ward='w1'")}
    assert views == {None}  # stored as the page showed it: no counter


def test_dates_that_stop_being_found_are_named_through_the_recorder(tmp_path):
    archive = Archive(tmp_path / "a.db")
    saved_wards(archive)
    for _ in range(2):
        assert crawl(archive, {"w1": articles("w1", "Lượt xem: 12", ["Đoạn."])}) == {}
    failures = [PageFailure("w1", f"http://w1/tin/moi-{n}.htm", 200, "no posted date found")
                for n in range(5)]  # fmt: skip
    broken = crawl(archive, {"w1": articles("w1", "Lượt xem: 12", ["Đoạn."], 1) + failures})
    assert broken == {"w1": "posted date missing on 5 of 6 articles (recent runs: 0)"}


def test_runs_recorded_before_the_new_columns_are_no_history(tmp_path):
    archive = Archive(tmp_path / "a.db")
    saved_wards(archive)
    for _ in range(3):
        crawl(archive, {"w1": articles("w1", "Lượt xem: 12", ["Đoạn."])})
    new = ["articles_parsed", "views_missing", "body_missing", "date_missing"]
    archive.db["crawl_run_wards"].transform(drop=set(new))  # an archive of an older wardcrawler
    archive.close()
    archive = Archive(tmp_path / "a.db")  # the migration adds the columns back, empty
    assert set(new) <= set(archive.db["crawl_run_wards"].columns_dict)
    assert {r["articles_parsed"] for r in archive.db["crawl_run_wards"].rows} == {None}
    assert crawl(archive, {"w1": articles("w1", None, [])}) == {}
    assert archive.db["crawl_run_wards"].get((4, "w1"))["views_missing"] == 4
