"""The run ledger: one row per crawl and per ward, failures, and the verdict on broken wards."""

from __future__ import annotations

import json
from datetime import datetime
from statistics import median

import sqlite_utils

from wardcrawler.clock import now

FIGURES = (
    "pages", "listed", "articles_new", "articles_updated", "articles_unchanged",
    "articles_gone", "failed", "parse_failures",
)  # fmt: skip
HISTORY = 5  # recent runs a ward's figures are compared with
FALL = 0.5  # listing fewer than this share of the recent median is a fall


def broken_reason(figures: dict, history: list[dict]) -> str | None:
    """Why a ward's run looks broken, given its recent runs in the same mode; None if healthy."""
    if not figures.get("pages") or not figures.get("listed"):
        return "yielded nothing: no listing page showed any article"
    failures = figures.get("parse_failures", 0)
    usual_failures = median([h["parse_failures"] or 0 for h in history]) if history else 0
    if failures >= 3 and failures > 2 * usual_failures and failures > 0.2 * figures["pages"]:
        return f"parse failures jumped to {failures} (recent median {usual_failures:g})"
    if len(history) >= 2:
        usual = median([h["listed"] or 0 for h in history])
        if usual and figures["listed"] < FALL * usual:
            return f"listings showed {figures['listed']} articles, recent runs {usual:g}"
    return None


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
        self.db["fetch_errors"].insert(row)

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
