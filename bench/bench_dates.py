"""Date parsing: the exact regex path against dateparser, side by side on the same strings.

Run: .venv/bin/python bench/bench_dates.py
"""

from __future__ import annotations

import time

import dateparser

from wardcrawler.normalize import parse_posted

SAMPLES = [
    "Ngày đăng 15/09/2023 | 18:02\xa0 | Lượt xem: 29",
    "Thứ Bẩy, ngày 16/09/2023 18:02",
    "23:04 02/07/2025",
    "Ngày đăng 10/05/2018 | 11:21 | Lượt xem: 498",
    "Thứ sáu, 03/12/2021 14:15 (GMT+7)",
]
SETTINGS = {"DATE_ORDER": "DMY", "TIMEZONE": "Asia/Ho_Chi_Minh", "RETURN_AS_TIMEZONE_AWARE": True}


def timed(function, rounds: int) -> float:
    """Seconds per call of `function` over every sample."""
    start = time.perf_counter()
    for _ in range(rounds):
        for sample in SAMPLES:
            function(sample)
    return (time.perf_counter() - start) / (rounds * len(SAMPLES))


def main() -> None:
    dateparser.parse("01/01/2020", languages=["vi"])  # warm up its caches
    exact = timed(parse_posted, 2000)
    slow = timed(lambda s: dateparser.parse(s, languages=["vi"], settings=SETTINGS), 40)
    understood = sum(
        dateparser.parse(s, languages=["vi"], settings=SETTINGS) is not None for s in SAMPLES
    )
    print(f"exact path: {exact * 1e6:8.1f} µs/call, {len(SAMPLES)}/{len(SAMPLES)} understood")
    print(f"dateparser: {slow * 1e6:8.1f} µs/call, {understood}/{len(SAMPLES)} understood")
    print(f"ratio: dateparser / exact = {slow / exact:.0f}x")


if __name__ == "__main__":
    main()
