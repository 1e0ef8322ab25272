"""Registry values that cannot work fail at load, naming the file, the ward and the key."""

import json

import pytest
from click.testing import CliRunner

from wardcrawler.cli import cli
from wardcrawler.portals.registry import RegistryError, category_problem, load_wards, netloc_of

WARD = """
[[ward]]
slug = "hanoi-phucloi"
name = "Phường Phúc Lợi"
province = "Hà Nội"
url = {url}
family = "hanoi-portal"
"""
URL = "https://phucloi.hanoi.gov.vn/"


def registry(tmp_path, url=URL, **lists):
    """A one-ward registry file with these `key = [values]` lines added."""
    text = WARD.format(url=json.dumps(url))
    for key, values in lists.items():
        text += f"{key} = {json.dumps(values, ensure_ascii=False)}\n"  # a valid TOML array
    path = tmp_path / "wards.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path) -> str:
    with pytest.raises(RegistryError) as error:
        load_wards(path)
    return str(error.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://phucloi.hanoi.gov.vn:99999/", "port '99999' is not a number from 1 to 65535"),
        ("http://phucloi.hanoi.gov.vn:0/", "port '0' is not a number from 1 to 65535"),
        ("http://phucloi.hanoi.gov.vn:80a/", "port '80a' is not a number"),
        ("ftp://phucloi.hanoi.gov.vn/", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("https:///tin-tuc", "not an http(s) URL"),
        ("http://phuc loi.gov.vn/", "labels of 1 to 63 letters, digits or hyphens"),
        ("http://-phucloi.gov.vn/", "labels of 1 to 63 letters, digits or hyphens"),
        ("http://phucloi..gov.vn/", "labels of 1 to 63 letters, digits or hyphens"),
        ("http://300.1.1.1/", "not a valid IPv4 address"),
        ("http://phucloi.gov.vn\\@evil.example/", "backslashes"),
    ],
)
def test_a_url_that_cannot_work_fails_at_load(tmp_path, url, message):
    path = registry(tmp_path, url=url)
    text = load_error(path)
    assert text.startswith(f"{path}: ward hanoi-phucloi: key 'url': ")
    assert message in text and repr(url) in text


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ("http://evil.example/tin-tuc", "a page of another site"),
        ("https://phucloi.hanoi.gov.vn.evil.example/x", "a page of another site"),
        ("//evil.example/tin-tuc", "a page of another site"),
        ("../tin-tuc", "climbs above the site's root"),
        ("tin-tuc/../../x", "climbs above the site's root"),
        ("/a/../../etc/passwd", "climbs above the site's root"),
        ("%2e%2e/tin-tuc", "climbs above the site's root"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://phucloi.hanoi.gov.vn/tin-tuc", "scheme 'ftp'"),
        ("//phucloi.hanoi.gov.vn:99999/x", "port '99999'"),
        ("tin\\..\\..\\x", "backslashes"),
        ("tin\ttuc", "control characters"),
    ],
)
def test_a_category_path_that_leaves_the_site_fails_at_load(tmp_path, category, message):
    path = registry(tmp_path, categories=[category])
    text = load_error(path)
    assert text.startswith(f"{path}: ward hanoi-phucloi: key 'categories': ")
    assert message in text


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("phucloi.gov.vn:99999", "port '99999' is not a number from 1 to 65535"),
        ("https://phucloi.gov.vn/", "write it without scheme or path"),
        ("user@phucloi.gov.vn", "write it without scheme or path"),
        ("phuc_loi gov.vn", "labels of 1 to 63"),
        ("..", "labels of 1 to 63"),
        ("-", "labels of 1 to 63"),
    ],
)
def test_an_alias_that_is_not_a_host_name_fails_at_load(tmp_path, alias, message):
    path = registry(tmp_path, aliases=[alias])
    text = load_error(path)
    assert text.startswith(f"{path}: ward hanoi-phucloi: key 'aliases': not a host name")
    assert message in text


def test_values_that_work_still_load(tmp_path):
    categories = [
        "tin-tuc-su-kien",
        "/web/guest/thong-bao",
        "tin-tuc/../thong-bao",
        "https://phucloi.hanoi.gov.vn/dang-doan-the",
        "http://www.phucloi.hanoi.gov.vn/cai-cach",
        "https://phucloi.hanoi.gov.vn:443/x",
        "//phucloi.hanoi.gov.vn/y",
        "http://phucloi.hanoi.gov.vn/z?page=1",
        "https://phucloi.gov.vn:8080/from-the-alias",
    ]
    aliases = ["phucloi.gov.vn:8080", "WWW.PhucLoi.LongBien.gov.vn", "127.0.0.2", "[::1]:8443"]
    (ward,) = load_wards(registry(tmp_path, categories=categories, aliases=aliases))
    assert ward.categories == tuple(categories)
    assert {"phucloi.gov.vn:8080", "phucloi.longbien.gov.vn", "127.0.0.2"} <= ward.netlocs
    (ward,) = load_wards(
        registry(tmp_path, url="http://127.0.0.1:8080/portal/", categories=["../x"])
    )
    assert ward.netlocs == {"127.0.0.1:8080"}


def test_a_bad_port_in_a_link_matches_no_site_instead_of_raising():
    assert netloc_of("http://Phucloi.gov.vn:99999/x") == "phucloi.gov.vn:99999"
    assert netloc_of("http://phucloi.gov.vn:abc/x") == "phucloi.gov.vn:abc"
    assert netloc_of("https://www.phucloi.gov.vn:443/x") == "phucloi.gov.vn"


def test_wards_and_crawl_refuse_a_port_out_of_range_before_anything_is_written(tmp_path):
    path = registry(tmp_path, url="http://phucloi.hanoi.gov.vn:99999/")
    expected = f"{path}: ward hanoi-phucloi: key 'url': not an http(s) URL: port '99999'"
    listed = CliRunner().invoke(cli, ["wards", "--wards", str(path)])
    assert listed.exit_code == 2 and expected in listed.output
    db = tmp_path / "archive" / "wards.db"
    for command in ("crawl", "backfill"):
        result = CliRunner().invoke(cli, [command, "--wards", str(path), "--db", str(db)])
        assert result.exit_code == 2 and expected in result.output
    assert not db.parent.exists()


def test_the_shipped_registry_stays_on_its_sites():
    wards = load_wards()
    assert all(category_problem(w, path) is None for w in wards for path in w.categories or ())
    (ward,) = [w for w in wards if w.slug == "longbien-phucloi"]
    assert category_problem(ward, "http://phucloi.longbien.gov.vn/tin-moi-nhat") is None
    assert category_problem(ward, "http://giathuy.longbien.hanoi.gov.vn/") is not None
