"""The command line: registry checks, usage errors, and the README covering every command."""

from pathlib import Path

from click.testing import CliRunner

from wardcrawler.cli import cli
from wardcrawler.cli.options import parse_overrides

README = Path(__file__).parents[2] / "README.md"


def test_readme_documents_every_command_with_an_example():
    text = README.read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"### `wardcrawler {name}`" in text, name
        assert f"\nwardcrawler {name}" in text, f"no example of {name}"


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name in cli.commands:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert f"Example: wardcrawler {name}" in result.output


def test_wards_lists_the_shipped_registry():
    result = CliRunner().invoke(cli, ["wards"])
    assert result.exit_code == 0
    assert "longbien-phucloi\tliferay-asset-publisher" in result.output
    assert "(discovered)" in result.output


def test_bad_registry_fails_naming_file_ward_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[ward]]\nslug = "x-y"\nname = "X"\nprovince = "P"\nurl = "http://x/"\nfamily = "nope"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["crawl", "--wards", str(path), "--db", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert f"{path}: ward x-y: key 'family': unknown family 'nope'" in result.output
    assert not (tmp_path / "d").exists()


def test_unknown_ward_slug_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "--ward", "nowhere", "--db", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "unknown ward slug(s): nowhere" in result.output


def test_overrides_parse_like_scrapy():
    assert parse_overrides(("DOWNLOAD_DELAY=0", "A=b=c")) == {"DOWNLOAD_DELAY": "0", "A": "b=c"}
    result = CliRunner().invoke(cli, ["crawl", "-s", "NOEQUALS", "--db", "/nonexistent/x"])
    assert result.exit_code == 2
    assert "expected NAME=VALUE" in result.output


def test_demo_never_replaces_a_real_archive(tmp_path):
    from wardcrawler.store.archive import Archive

    archive = Archive(tmp_path / "wards.db")
    archive.save_ward({"slug": "longbien-phucloi", "name": "P", "province": "Hà Nội",
                       "district": None, "url": "http://x/", "family": "hanoi-portal"})  # fmt: skip
    archive.close()
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(tmp_path / "wards.db")])
    assert result.exit_code == 1
    assert "holds real wards" in result.output
    assert (tmp_path / "wards.db").exists()


def test_export_refuses_an_unknown_ward_and_a_bad_date(tmp_path):
    from wardcrawler.store.archive import Archive

    Archive(tmp_path / "w#1.db").close()  # an odd file name works too
    db = str(tmp_path / "w#1.db")
    assert CliRunner().invoke(cli, ["export", "--db", db]).exit_code == 0
    unknown = CliRunner().invoke(cli, ["export", "--db", db, "--ward", "nowhere"])
    assert unknown.exit_code == 2 and "unknown ward 'nowhere'" in unknown.output
    assert CliRunner().invoke(cli, ["export", "--db", db, "--since", "2025-13-01"]).exit_code == 2
