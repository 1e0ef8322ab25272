"""Issue 13, points 1 and 5: registry entries carry official codes, checked at load."""

from __future__ import annotations

import pytest

from tests.acceptance.units.standins import ward_table, write_registry
from tests.helpers import FAST, run_cli


def check(tmp_path, **fields):
    registry = write_registry(tmp_path / "my-wards.toml", ward_table(**fields))
    return registry, run_cli("wards", "--wards", str(registry))


CURRENT = dict(
    slug="hanoi-phucloi",
    name="Phường Phúc Lợi",
    province="Hà Nội",
    url="https://phucloi.hanoi.gov.vn/",
    family="hanoi-portal",
)
FORMER = dict(
    slug="longbien-phucloi",
    name="Phường Phúc Lợi",
    province="Hà Nội",
    district="Quận Long Biên",
    url="http://phucloi.longbien.hanoi.gov.vn/",
    family="liferay-asset-publisher",
)


def assert_load_error(result, slug, key):
    assert result.returncode == 2, (result.stdout, result.stderr)
    message = result.stderr
    assert "my-wards.toml" in message
    assert slug in message
    assert key in message
    assert "Traceback" not in message


def test_correct_codes_load(tmp_path):
    _, result = check(tmp_path, **CURRENT, code="00136")
    assert result.returncode == 0, result.stderr
    assert "00136" in result.stdout and "Phường Phúc Lợi" in result.stdout
    _, result = check(tmp_path, **FORMER, former_code="00136")
    assert result.returncode == 0, result.stderr
    # The pre-2025 Phúc Lợi is shown with the current units it became part of.
    assert "00127" in result.stdout and "00136" in result.stdout


def test_case_and_tone_placement_do_not_matter(tmp_path):
    # Official: 00175 Phường Yên Hòa; written with the old tone placement and lower case.
    _, result = check(
        tmp_path,
        slug="hanoi-yenhoa",
        name="phường Yên Hoà",
        province="Hà Nội",
        url="https://yenhoa.hanoi.gov.vn/",
        family="hanoi-portal",
        code="00175",
    )
    assert result.returncode == 0, result.stderr


def test_code_that_does_not_exist_fails(tmp_path):
    _, result = check(tmp_path, **CURRENT, code="99999")
    assert_load_error(result, "hanoi-phucloi", "code")


def test_code_of_another_unit_fails_and_names_the_right_code(tmp_path):
    _, result = check(tmp_path, **CURRENT, code="00127")  # Việt Hưng, not Phúc Lợi
    assert_load_error(result, "hanoi-phucloi", "code")
    assert "00136" in result.stderr, "the codes of the units of that name are given"


def test_code_in_another_province_fails(tmp_path):
    fields = dict(CURRENT, province="Hải Phòng")
    _, result = check(tmp_path, **fields, code="00136")
    assert_load_error(result, "hanoi-phucloi", "")
    assert "province" in result.stderr or "code" in result.stderr


def test_former_code_of_another_unit_fails(tmp_path):
    _, result = check(tmp_path, **FORMER, former_code="00130")  # pre-2025 Gia Thụy
    assert_load_error(result, "longbien-phucloi", "former_code")


def test_former_code_in_another_district_fails(tmp_path):
    fields = dict(FORMER, district="Quận Ba Đình")
    _, result = check(tmp_path, **fields, former_code="00136")
    assert_load_error(result, "longbien-phucloi", "")


def test_current_code_used_as_former_code_is_checked(tmp_path):
    # 00070 is today's Hoàn Kiếm; no pre-2025 Long Biên unit had it.
    _, result = check(tmp_path, **FORMER, former_code="00070")
    assert_load_error(result, "longbien-phucloi", "former_code")


def test_both_code_and_former_code_fail(tmp_path):
    _, result = check(tmp_path, **FORMER, code="00136", former_code="00136")
    assert result.returncode == 2


def test_crawl_refuses_a_wrong_code_before_writing(tmp_path):
    registry = write_registry(tmp_path / "my-wards.toml", ward_table(**CURRENT, code="99999"))
    db = tmp_path / "never.db"
    result = run_cli(
        "crawl",
        "--wards",
        str(registry),
        "--db",
        str(db),
        "--resolve",
        "phucloi.hanoi.gov.vn=127.0.0.1:9",
        *FAST,
    )
    assert_load_error(result, "hanoi-phucloi", "code")
    assert not db.exists()


def test_shipped_registry_has_official_codes():
    result = run_cli("wards")
    assert result.returncode == 0, result.stderr
    lines = {line.split("\t")[0]: line for line in result.stdout.splitlines() if line.strip()}
    for slug, line in lines.items():
        if slug.startswith("ngoquyen-"):
            continue  # Lạc Viên and Lê Lợi: merged before 2025, in neither list
        assert "unit 0" in line, f"{slug} has no official code: {line}"
    assert "former unit 00136 Phường Phúc Lợi" in lines["longbien-phucloi"]
    assert "00127 Phường Việt Hưng" in lines["longbien-phucloi"]
    assert "00136 Phường Phúc Lợi" in lines["longbien-phucloi"]
    assert "unit 00136 Phường Phúc Lợi" in lines["hanoi-phucloi"]
    for slug, line in lines.items():
        if slug.startswith("longbien-"):
            assert "former unit" in line and "now:" in line, line


@pytest.mark.parametrize(
    "slug", ["longbien-giathuy", "longbien-thuongthanh", "longbien-giangbien", "longbien-ducgiang"]
)
def test_shipped_long_bien_wards_link_to_current_long_bien_units(slug):
    result = run_cli("wards")
    line = next(x for x in result.stdout.splitlines() if x.startswith(slug + "\t"))
    now = line.split("now:")[1]
    # Long Biên's wards became Long Biên, Bồ Đề, Việt Hưng, Phúc Lợi (and parts of others)
    assert any(code in now for code in ("00148", "00130", "00127", "00136")), line
