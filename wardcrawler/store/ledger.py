"""The run ledger: one row per crawl and per ward, failures, and the verdict on broken wards."""

from __future__ import annotations

import json
from datetime import datetime
from statistics import median

import sqlite_utils

from wardcrawler.clock import now
from wardcrawler.store import rows

FIGURES = (
    "pages", "listed", "articles_new", "articles_updated", "articles_unchanged",
    "articles_gone", "failed", "parse_failures",
)  # fmt: skip
HISTORY = 5  # recent runs a ward's figures are compared with
FALL = 0.5  # listing fewer than this share of the recent median is a fall
# Fields an article page may suddenly come back without when its portal changes its theme:
# the `crawl_run_wards` column counting the parsed articles that lack it, and its name.
FIELDS = (("views_missing", "views"), ("body_missing", "body"))
MIN_PARSED = 3  # fewer parsed articles in a run say nothing about a field
USUALLY_PRESENT = 0.1  # a field is usually present when its recent median share missing is lower


def broken_reason(figures: dict, history: list[dict]) -> str | None:
    """Why a ward's run looks broken, given its recent runs in the same mode; None if healthy."""
    if not figures.get("pages") or not figures.get("listed"):
        return "yielded nothing: no listing page showed any article"
    failures = figures.get("parse_failures", 0)
    usual_failures = median([h["parse_failures"] or 0 for h in history]) if history else 0
    if failures >= 3 and failures > 2 * usual_failures and failures > 0.2 * figures["pages"]:
        return _dates_missing(figures, history, usual_failures) or (
            f"parse failures jumped to {failures} (recent median {usual_failures:g})"
        )
    if emptied := [r for field in FIELDS if (r := _emptied(figures, history, *field))]:
        return "; ".join(emptied)
    if len(history) >= 2:
        usual = median([h["listed"] or 0 for h in history])
        if usual and figures["listed"] < FALL * usual:
            return f"listings showed {figures['listed']} articles, recent runs {usual:g}"
    return None


def _dates_missing(figures: dict, history: list[dict], usual_failures: float) -> str | None:
    """The jump in parse failures named, when most of it is article pages with no posted date
    (recent runs without the figure count as their parse failures, an upper bound)."""
    missing = figures.get("date_missing") or 0
    if missing <= figures["parse_failures"] / 2:
        return None
    read = (figures.get("articles_parsed") or 0) + missing
    known = [h["date_missing"] for h in history if h.get("date_missing") is not None]
    recent = f"{median(known):g}" if known else f"{usual_failures:g} parse failures"
    recent = f"recent runs: {recent}" if history else "no recent runs"
    return f"posted date missing on {missing} of {read} articles ({recent})"


def _emptied(figures: dict, history: list[dict], column: str, name: str) -> str | None:
    """`views missing on 9 of 10 articles (recent runs: 0 %)` when a field most parsed articles
    of the recent runs had is missing on most of this run's; runs without the figure are no
    history (a first run, or runs recorded before the figure existed, are never judged)."""
    parsed, missing = figures.get("articles_parsed") or 0, figures.get(column) or 0
    if parsed < MIN_PARSED or missing <= parsed / 2:
        return None
    shares = [
        h[column] / h["articles_parsed"]
        for h in history
        if h.get("articles_parsed") and h.get(column) is not None
    ]
    if not shares or median(shares) >= USUALLY_PRESENT:
        return None
    usual = f"{100 * median(shares):.0f} %"
    return f"{name} missing on {missing} of {parsed} articles (recent runs: {usual})"


class RunLedger:
    """Writes `crawl_runs`, `crawl_run_wards` and `fetch_errors`."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def start(self, wards: list[str], mode: str) -> int:
        """Open a crawl run and return its id."""
        row = {"started_at": now(), "status": "running", "mode": mode, "wards": json.dumps(wards)}
        return self.db["crawl_runs"].insert(row).last_pk

    def record_error(self, run_id: int, ward: str, url: str, status: int | None, reason: str,
                     html: str | None = None) -> None:  # fmt: skip
        """Record a page that could not be fetched or parsed (with its HTML when it was)."""
        row = {"run_id": run_id, "ward": ward, "url": url, "status": status, "reason": reason,
               "seen_at": now(), "html": html}  # fmt: skip
        rows.insert(self.db, "fetch_errors", row)

    def history(self, ward: str, mode: str, before: int) -> list[dict]:
        """The ward's figures in its last finished runs of the same mode."""
        return list(
            self.db.query(
                "select rw.* from crawl_run_wards rw join crawl_runs r on r.id = rw.run_id"
                " where rw.ward = ? and r.mode = ? and r.status = 'finished' and r.id < ?"
                " order by r.id desc limit ?",
                [ward, mode, before, HISTORY],
            )
        )

    def finish(self, run_id: int, per_ward: dict[str, dict], stats: dict) -> dict[str, str]:
        """Close a run with its per-ward figures; returns the broken wards and why."""
        run = self.db["crawl_runs"].get(run_id)
        status = str(stats.get("finish_reason", "finished"))
        broken: dict[str, str] = {}
        rows = []
        # only finished crawls are judged (not backfills, reparses or interrupted runs)
        judged = run["mode"] in ("incremental", "full") and status == "finished"
        for ward, figures in per_ward.items():
            history = self.history(ward, run["mode"], run_id)
            reason = broken_reason(figures, history) if judged else None
            if reason:
                broken[ward] = reason
            rows.append({"run_id": run_id, "ward": ward, **figures, "broken": reason})
        with self.db.atomic():
            self.db["crawl_run_wards"].insert_all(rows, pk=("run_id", "ward"), replace=True)
            totals = {k: sum(f.get(k, 0) for f in per_ward.values()) for k in FIGURES}
            totals.pop("listed")
            finished = now()
            elapsed = datetime.fromisoformat(finished) - datetime.fromisoformat(run["started_at"])
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished_at": finished,
                    "status": status,
                    "duration_seconds": elapsed.total_seconds(),
                    "broken_wards": json.dumps(broken, ensure_ascii=False),
                    "stats": json.dumps(stats, default=str, ensure_ascii=False),
                    **totals,
                },
            )
        return broken
