"""Export memory: peak memory of `wardcrawler export` on archives of 20,000 and 200,000 articles.

Streaming means the peak stays flat as the archive grows tenfold. Prints both peaks and their
ratio (about 1.0 when streaming; about 10 if rows were held in memory).
Run: .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from wardcrawler.normalize import content_hash
from wardcrawler.store.archive import Archive

BODY = "Đảng bộ phường tổ chức hội nghị triển khai nhiệm vụ năm. " * 40  # about 2.4 KB


def build(path: Path, count: int) -> None:
    """An archive of `count` articles (written directly, without the search index)."""
    archive = Archive(path)
    archive.save_ward({"slug": "w", "name": "Phường", "province": "Hà Nội", "district": None,
                       "url": "http://w.example/", "family": "hanoi-portal"})  # fmt: skip
    rows = (
        {"ward": "w", "article_key": str(i), "url": f"http://w.example/a/x-{i}.htm",
         "title": f"Bài {i}", "posted_at": f"2024-01-{1 + i % 28:02d}T08:00:00+07:00",
         "body": BODY, "content_hash": content_hash(f"Bài {i}", BODY), "category_names": "[]"}
        for i in range(count)
    )  # fmt: skip
    archive.db["articles"].insert_all(rows, batch_size=5000)
    archive.close()


def peak_kib(db: Path) -> int:
    """Peak resident memory (KiB) of one export of `db` to /dev/null, in its own process tree."""
    export = [
        sys.executable,
        "-m",
        "wardcrawler",
        "export",
        "--db",
        str(db),
        "--output",
        "/dev/null",
    ]
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run([sys.executable, "-c", probe, *export], check=True,
                            capture_output=True, text=True)  # fmt: skip
    return int(result.stdout.split()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.db", Path(folder) / "large.db"
        build(small, 20_000)
        build(large, 200_000)
        first, second = peak_kib(small), peak_kib(large)
    print(f"peak memory, 20,000 articles:  {first / 1024:7.1f} MiB")
    print(f"peak memory, 200,000 articles: {second / 1024:7.1f} MiB")
    print(f"ratio (10x the rows): {second / first:.2f}x")


if __name__ == "__main__":
    main()
