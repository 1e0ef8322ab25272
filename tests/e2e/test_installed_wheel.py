"""The wheel, installed in a fresh virtual environment, runs the demo and serves the archive.

Nothing of the checkout is on the installed package's path: the commands run in a temporary
folder, with no PYTHONPATH, so that a file needed at run time but missing from the wheel (the
Datasette metadata, templates, plugin, registry...) fails here rather than for a user.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from markupsafe import escape

from tests.helpers import free_port, query, wait_for_json

CHECKOUT = Path(__file__).resolve().parents[2]
# Not copied into the source tree the wheel is built from: neither packaged nor needed to build.
# (Building in the checkout itself would write build/ and *.egg-info there, and a stale
# build/lib/ could put a file in the wheel that the sources no longer have.)
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", "archive", "tests", "bench",
)  # fmt: skip
SHIPPED_FILES = {
    "wardcrawler/portals/wards.toml",
    "wardcrawler/site/metadata.yml",
    "wardcrawler/site/templates/row.html",
    "wardcrawler/site/plugin.py",
    "wardcrawler/site/__main__.py",
}
DB_NAME = "demo-archive"  # not the shipped metadata's "wards": the served name follows the file


@dataclass
class Installed:
    """A fresh virtual environment with the wheel installed, and a demo archive made by it."""

    venv: Path
    env: dict[str, str] = field(repr=False)
    work: Path  # working directory of the commands, outside the checkout
    db: Path
    warc_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *command: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=self.work, env=self.env, capture_output=True, text=True, timeout=timeout
        )


def timed(seconds: dict[str, float], step: str, run) -> subprocess.CompletedProcess:
    start = time.monotonic()
    result = run()
    seconds[step] = round(time.monotonic() - start, 1)
    assert result.returncode == 0, (
        f"{step} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result


def clean_env(venv: Path) -> dict[str, str]:
    """The test's environment without anything that could put the checkout on sys.path."""
    dropped = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and "WARDCRAWLER" not in k}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("installed-wheel")
    assert not root.resolve().is_relative_to(CHECKOUT), "the temporary folder is in the checkout"
    seconds: dict[str, float] = {}

    source, wheels = root / "source", root / "wheels"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SOURCES)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(source)]
    timed(seconds, "build the wheel", lambda: subprocess.run(build, capture_output=True, text=True))
    (wheel,) = wheels.glob("wardcrawler-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert names >= SHIPPED_FILES, f"missing from the wheel: {sorted(SHIPPED_FILES - names)}"
    assert not any(n.startswith(("tests/", "archive/", "bench/")) for n in names)

    venv, work = root / "venv", root / "work"
    work.mkdir()
    db, warc_dir = work / f"{DB_NAME}.db", work / f"{DB_NAME}-warc"  # the demo's WARC folder
    installed = Installed(venv, clean_env(venv), work, db, warc_dir, seconds)
    create = [sys.executable, "-m", "venv", str(venv)]
    timed(seconds, "create the venv", lambda: installed.run(*create))
    pip = [installed.bin("python"), "-m", "pip", "install", "--disable-pip-version-check"]
    timed(seconds, "pip install the wheel", lambda: installed.run(*pip, str(wheel)))

    demo = [installed.bin("wardcrawler"), "demo", "--no-serve", "--db", str(installed.db)]
    timed(seconds, "wardcrawler demo", lambda: installed.run(*demo))
    print(f"seconds taken: {seconds}", file=sys.stderr)  # shown with -s, or if a test fails
    return installed


@contextmanager
def serving(installed: Installed, db: Path, *options: str) -> Iterator[str]:
    """`VENV/bin/wardcrawler serve --db DB` on a free port; its base URL while it runs."""
    port = free_port()
    log = db.with_name(f"serve-{port}.log")
    command = [installed.bin("wardcrawler"), "serve", "--db", str(db), "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [*command, *options], cwd=installed.work, env=installed.env, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            try:
                wait_for_json(f"{base}/-/versions.json", server, 60)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{log.read_text(encoding='utf-8')}") from None
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str


def get(url: str) -> Page:
    """GET `url`: status, headers (lowercase names) and body, whatever the status."""
    try:
        response = urllib.request.urlopen(url, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        text = response.read().decode("utf-8", "replace")
        return Page(response.status, headers, unicodedata.normalize("NFC", text))


def rarest_title_word(titles: list[str]) -> tuple[str, str]:
    """A (word, title) pair: the word of some title that the fewest titles contain."""
    candidates = []
    for title in titles:
        for word in title.split():
            if len(word) >= 4 and word.isalpha():
                count = sum(word.casefold() in t.casefold() for t in titles)
                candidates.append((count, -len(word), word, title))
    assert candidates, "no title with a word to search for"
    _, _, word, title = min(candidates)
    return word, title


def test_wheel_runs_demo_and_serves_the_shipped_site(installed):
    probe = (
        "import importlib.metadata as m, json, sys, sysconfig, wardcrawler, wardcrawler.site.serve"
        " as s; d = m.distribution('wardcrawler'); print(json.dumps({'file': wardcrawler.__file__,"
        " 'site': str(s.SITE), 'purelib': sysconfig.get_paths()['purelib'], 'path': sys.path,"
        " 'direct_url': d.read_text('direct_url.json')}))"
    )
    result = installed.run(installed.bin("python"), "-c", probe)
    assert result.returncode == 0, result.stderr
    where = json.loads(result.stdout)
    purelib = Path(where["purelib"]).resolve()
    assert purelib.is_relative_to(installed.venv.resolve())
    for name in ("file", "site"):
        assert Path(where[name]).resolve().is_relative_to(purelib), where
        assert not Path(where[name]).resolve().is_relative_to(CHECKOUT), where
    assert not [p for p in where["path"] if p and Path(p).resolve().is_relative_to(CHECKOUT)]
    assert '"editable": true' not in (where["direct_url"] or "")

    total = query(installed.db, "select count(*) as n from articles")[0]["n"]
    assert total > 0, "the demo stored no articles"
    articles = query(installed.db, "select id, title from articles where length(title) < 150")
    word, title = rarest_title_word([a["title"] for a in articles])
    article = next(a for a in articles if a["title"] == title)
    captures = query(
        installed.db,
        "select id from captures where kind = 'article' and article_id = ? and status = 200"
        " and warc_file is not null order by id limit 1",
        (article["id"],),
    )
    assert captures, f"no capture of article {article['id']}"
    capture = captures[0]["id"]

    assert installed.warc_dir.is_dir()  # the demo's own WARC folder, found by serve by default
    with serving(installed, installed.db) as base:
        home = get(f"{base}/")
        assert home.status == 200
        assert "Ward news archive (wardcrawler)" in home.text  # the shipped metadata's title
        assert f"/{DB_NAME}" in home.text

        search = f"/{DB_NAME}/articles?_search={urllib.parse.quote(word)}&_size=max"
        page = get(base + search)
        assert page.status == 200
        assert str(escape(title)) in page.text
        rows = get(f"{base}/{DB_NAME}/articles.json?_search={urllib.parse.quote(word)}").text
        assert 0 < json.loads(rows)["filtered_table_rows_count"] < total  # the search filters

        dashboard = get(f"{base}/-/dashboards/overview")
        assert dashboard.status == 200
        assert "Ward news archive at a glance" in dashboard.text

        row = get(f"{base}/{DB_NAME}/articles/{article['id']}")
        assert row.status == 200
        assert 'class="wardcrawler-article"' in row.text  # the shipped templates/row.html
        assert f"<h2>{escape(title)}</h2>" in row.text

        raw = get(f"{base}/-/capture/{capture}")
        assert raw.status == 200, raw.text[:300]
        assert raw.headers.get("content-security-policy") == "sandbox"
        assert raw.headers.get("x-wardcrawler-status") == "200"
        assert title in html.unescape(raw.text)


def test_metadata_beside_the_database_is_merged_over_the_shipped_one(installed):
    folder = installed.work / "custom"
    folder.mkdir()
    db = folder / "mine.db"
    with closing(sqlite3.connect(installed.db)) as source, closing(sqlite3.connect(db)) as copy:
        source.backup(copy)
    title = "Lưu trữ tin phường của tôi"
    override = {
        "title": title,
        "databases": {"mine": {"tables": {"wards": {"description": "Our own portals."}}}},
    }
    (folder / "metadata.yml").write_text(yaml.safe_dump(override, allow_unicode=True), "utf-8")

    with serving(installed, db) as base:
        home = get(f"{base}/")
        assert home.status == 200
        assert str(escape(title)) in home.text
        assert "Ward news archive (wardcrawler)" not in home.text

        metadata = json.loads(get(f"{base}/-/metadata.json").text)
        assert metadata["title"] == title
        assert metadata["license"].startswith("CC BY 4.0")  # the shipped rest is still there
        database = metadata["databases"]["mine"]
        assert database["tables"]["wards"]["description"] == "Our own portals."
        articles = database["tables"]["articles"]
        assert articles["description"].startswith("One row per article per portal")
        assert {"search", "downloads", "coverage"} <= set(database["queries"])

        table = get(f"{base}/mine/articles")
        assert table.status == 200
        assert "One row per article per portal" in table.text
        canned = get(f"{base}/mine/coverage")
        assert canned.status == 200
        assert "Coverage per ward" in canned.text
