"""Vietnam's official commune-level units: the current ones, the former ones, and the lineage.

- Current units (since 1 July 2025: 3,321, with their official codes): `vietnam-provinces`
  2025.10 (its 2026.x releases need Python >= 3.12; this project supports 3.11).
- Former units (before July 2025: 10,040 with their codes and districts), coordinates of both,
  and which former units became part of which current ones (many to many: a ward split between
  two units links to both): `vietnamadminunits` 1.0, its dataset and its 2025 converter.

The two packages number about 110 current units differently; the codes of `vietnam-provinces`
are the ones kept. `vietnamadminunits`' current units are matched to them by province and name
(tone placement aside: `Hoà` is `Hòa`). Nothing here is typed by hand.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wardcrawler.normalize import fold

CURRENT, FORMER = "current", "pre-2025"
_PUNCTUATION = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u02bc": "'"})
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


@dataclass(frozen=True)
class Unit:
    """One commune-level unit (phường, xã, đặc khu; before 2025 also thị trấn)."""

    code: str  # official code, 5 digits: "00136"
    name: str  # "Phường Phúc Lợi"
    kind: str  # "phường", "xã", "đặc khu", "thị trấn"
    province_code: str  # 2 digits: "01"
    province: str  # "Thành phố Hà Nội"
    district_code: str | None = None  # former units only
    district: str | None = None
    lat: float | None = None
    lon: float | None = None

    def row(self) -> dict:
        """The unit as a row of `units` or `former_units`."""
        row = {"code": self.code, "name": self.name, "kind": self.kind,
               "province_code": self.province_code, "province": self.province,
               "lat": self.lat, "lon": self.lon}  # fmt: skip
        if self.district_code is not None:
            row.update(district_code=self.district_code, district=self.district)
        return row


def spelling_key(name: str) -> str:
    """A name compared with its tone marks wherever they sit on a syllable, case, dashes and
    apostrophes aside (`Thuận Hoà` and `Thuận Hòa`, `Ea H'Leo` and `Ea H’leo` agree; `Văn Lang`
    and `Văn Lăng`, `Sơn Hà` and `Sơn Hạ` do not)."""
    words = []
    plain = name.casefold().translate(_PUNCTUATION)
    for word in unicodedata.normalize("NFD", plain).split():
        tones = sorted(c for c in word if c in _TONES)
        words.append("".join(c for c in word if c not in _TONES) + "".join(tones))
    return " ".join(words)


def names_agree(a: str, b: str) -> bool:
    """Whether two spellings name one unit (case and tone placement aside)."""
    return spelling_key(a) == spelling_key(b)


@cache
def current_units() -> dict[str, Unit]:
    """The 3,321 current units by code."""
    from vietnam_provinces import Province, Ward

    provinces = {int(p.code): p.name for p in Province.iter_all()}
    units = {}
    coordinates = _current_coordinates()
    for ward in Ward.iter_all():
        code, province = f"{int(ward.code):05d}", int(ward.province_code)
        lat, lon = coordinates.get((province, spelling_key(ward.name)), (None, None))
        units[code] = Unit(code, ward.name, str(ward.division_type.value), f"{province:02d}",
                           provinces[province], lat=lat, lon=lon)  # fmt: skip
    return units


@cache
def former_units() -> dict[str, Unit]:
    """The pre-2025 units by code."""
    sql = ("select wardCode, ward, wardType, provinceCode, province, districtCode, district,"
           " wardLat, wardLon from admin_units_legacy where wardCode is not null")  # fmt: skip
    units = {}
    for code, name, kind, pcode, province, dcode, district, lat, lon in _dataset(sql):
        units[code] = Unit(code, name, kind.lower(), pcode, province, dcode, district, lat, lon)
    return units


@cache
def lineage() -> frozenset[tuple[str, str]]:
    """(former code, current code): the former unit became, wholly or in part, the current."""
    converter = json.loads(_data_file("converter_2025.json").read_text(encoding="utf-8"))
    former = _former_by_key()
    current = _current_by_key()
    links: set[tuple[str, str]] = set()
    for province, merged in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in merged.items():
            links.update((former[old], current[(province, new_key)])
                         for old in old_keys if not _district_only(old))  # fmt: skip
    for province, split in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in split.items():
            if _district_only(old_key):
                continue
            new = (current[(province, part["newWardKey"])] for part in parts)
            links.update((former[old_key], code) for code in new)
    return frozenset(links)


def _district_only(key: str) -> bool:
    """An island district without communes (`…_huyenhoangsa_`): no former commune-level unit."""
    return key.endswith("_")


def unit_problem(
    code: str, era: str, name: str, province: str, district: str | None = None
) -> str | None:
    """Why a registry entry's unit code is wrong for its name, province and district (None if
    it is right); `era` is CURRENT or FORMER."""
    if not (len(code) == 5 and code.isdigit()):
        return f"not an official unit code (5 digits, as 00136): {code!r}"
    units = current_units() if era == CURRENT else former_units()
    unit = units.get(code)
    if unit is None:
        return f"no {era} unit has code {code}{_suggestion(era, name, province)}"
    if not names_agree(name, unit.name):
        return f"unit {code} is {unit.name}, not {name}{_suggestion(era, name, province)}"
    if not _in(unit, province):
        return f"unit {code} ({unit.name}) is in {unit.province}, not {province}"
    if era == FORMER and district and not _in(unit, province, district):
        return f"unit {code} ({unit.name}) was in {unit.district}, not {district}"
    return None


def _in(unit: Unit, province: str, district: str | None = None) -> bool:
    """Whether a unit is (was) in a province (`Hà Nội` for `Thành phố Hà Nội`) and district."""
    inside = fold(province) in fold(unit.province)
    return inside and (district is None or fold(district) == fold(unit.district or ""))


def _suggestion(era: str, name: str, province: str) -> str:
    """`; did you mean 00136 (Phường Phúc Lợi, Quận Long Biên)?` for a unit of that name."""
    found = find(name, province, era)
    shown = ", ".join(f"{u.code} ({u.name}{', ' + u.district if u.district else ''})"
                      for u in found[:3])  # fmt: skip
    return f"; {era} units named so: {shown}" if found else ""


def find(name: str, province: str, era: str = CURRENT, district: str | None = None) -> list[Unit]:
    """The units of a name in a province (and district, for former units), by code."""
    return [u for u in _named(era).get(spelling_key(name), ()) if _in(u, province, district)]


@cache
def _named(era: str) -> dict[str, list[Unit]]:
    """The units of an era by the spelling key of their name, in code order."""
    found: dict[str, list[Unit]] = {}
    for unit in (current_units() if era == CURRENT else former_units()).values():
        found.setdefault(spelling_key(unit.name), []).append(unit)
    return found


def official_province(code: str | None, former_code: str | None) -> str | None:
    """The current province code of a portal's unit (a former unit's: of the units it became)."""
    if code:
        return current_units()[code].province_code
    if former_code:
        now = became(former_code)
        return current_units()[now[0]].province_code if now else None
    return None


def became(former_code: str) -> list[str]:
    """The current units a former unit became part of."""
    return sorted(c for f, c in lineage() if f == former_code)


def current_of_province(province_code: str) -> list[Unit]:
    """The current units of a province (official code, `1` or `01`), by code."""
    wanted = f"{int(province_code):02d}"
    return [u for u in current_units().values() if u.province_code == wanted]


_KINDS = ("phuong ", "xa ", "thi tran ", "dac khu ", "quan ", "huyen ", "thi xa ",
          "thanh pho ", "tinh ")  # fmt: skip


def ascii_name(name: str) -> str:
    """A unit's (district's, province's) name without its type, as host names write it:
    `Phường Phúc Lợi` -> `phucloi`, `Quận Long Biên` -> `longbien`, `Thành phố Hà Nội` ->
    `hanoi` (marks dropped, `đ` -> `d`, words joined)."""
    bare = fold(name)
    for kind in _KINDS:
        if bare.startswith(kind):
            bare = bare[len(kind) :]
            break
    return "".join(c for c in bare if c.isalnum())


def _current_coordinates() -> dict[tuple[int, str], tuple[float, float]]:
    sql = "select provinceCode, ward, wardLat, wardLon from admin_units"
    return {(int(p), spelling_key(n)): (lat, lon) for p, n, lat, lon in _dataset(sql)}


def _current_by_key() -> dict[tuple[str, str], str]:
    """vietnamadminunits' (province key, ward key) of a current unit -> its official code."""
    by_name = {(int(u.province_code), spelling_key(u.name)): c for c, u in current_units().items()}
    sql = "select provinceKey, wardKey, provinceCode, ward from admin_units"
    found = {}
    for pkey, wkey, pcode, name in _dataset(sql):
        code = by_name.get((int(pcode), spelling_key(name)))
        if code is not None:
            found[(pkey, wkey)] = code
    return _Strict(found)


def _former_by_key() -> dict[str, str]:
    sql = ("select provinceKey || '_' || districtKey || '_' || wardKey, wardCode"
           " from admin_units_legacy where wardCode is not null")  # fmt: skip
    return _Strict(_dataset(sql))


class _Strict(dict):
    """A mapping that names the unit it lacks (a package whose data do not agree)."""

    def __missing__(self, key):
        raise LookupError(f"units data: {key!r} is in the 2025 converter but in no unit list")


def _dataset(sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{_data_file('dataset.db')}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


@cache
def _data_folder() -> Path:
    """vietnamadminunits' data folder, found without importing the package (its import reads
    megabytes of address-parser data this module does not use)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("the vietnamadminunits package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _data_file(name: str) -> Path:
    return _data_folder() / name
