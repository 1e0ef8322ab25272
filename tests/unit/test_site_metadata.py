"""The shipped Datasette metadata, renamed to the served file, a user's metadata.yml over it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from wardcrawler.cli import cli
from wardcrawler.site.serve import SHIPPED_METADATA, MetadataError, build_metadata

SHIPPED = yaml.safe_load(SHIPPED_METADATA.read_text(encoding="utf-8"))


def test_shipped_metadata_is_package_data_beside_the_site_code():
    assert SHIPPED_METADATA.parent.name == "site" and SHIPPED_METADATA.parent.parent.name == (
        "wardcrawler"
    )
    assert "articles" in SHIPPED["databases"]["wards"]["tables"]


def test_without_a_user_file_the_shipped_metadata_is_served_under_the_file_stem(tmp_path: Path):
    metadata = build_metadata(tmp_path / "hanoi.db")
    assert metadata["title"] == SHIPPED["title"]
    assert set(metadata["databases"]) == {"hanoi"}
    assert metadata["databases"]["hanoi"]["tables"] == SHIPPED["databases"]["wards"]["tables"]


def test_user_metadata_beside_the_database_is_merged_over_the_shipped(tmp_path: Path):
    articles = {"description": "Tin phường của chúng tôi"}
    override = {"title": "Lưu trữ tin phường", "license": "CC BY 4.0",
                "databases": {"wards": {"tables": {"articles": articles}}}}  # fmt: skip
    (tmp_path / "metadata.yml").write_text(yaml.safe_dump(override, allow_unicode=True), "utf-8")
    metadata = build_metadata(tmp_path / "wards.db")
    assert metadata["title"] == "Lưu trữ tin phường" and metadata["license"] == "CC BY 4.0"
    served = metadata["databases"]["wards"]["tables"]
    assert served["articles"]["description"] == "Tin phường của chúng tôi"
    shipped = SHIPPED["databases"]["wards"]["tables"]
    assert served["articles"]["columns"] == shipped["articles"]["columns"]
    assert set(served) == set(shipped)
    assert metadata["source"] == SHIPPED["source"]


@pytest.mark.parametrize("text", ["title: [unclosed", "- just\n- a list\n"])
def test_unreadable_user_metadata_is_a_clear_error_naming_the_file(tmp_path: Path, text: str):
    (tmp_path / "metadata.yml").write_text(text, encoding="utf-8")
    with pytest.raises(MetadataError, match="metadata.yml"):
        build_metadata(tmp_path / "wards.db")
    (tmp_path / "wards.db").write_bytes(b"")
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "wards.db")])
    assert result.exit_code == 2 and str(tmp_path / "metadata.yml") in result.output
