"""The ward registry: TOML `[[ward]]` tables, loaded and validated into `Ward` objects."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from wardcrawler.portals.families import FAMILIES, Family

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED = ("slug", "name", "province", "url", "family")
OPTIONAL = ("district", "categories", "aliases")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message names the file, the ward and the key."""

    def __init__(self, path: Path | str, ward: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: ward {ward}: key {key!r}: {problem}")
        self.path, self.ward, self.key = str(path), ward, key


@dataclass(frozen=True)
class Ward:
    """One ward portal of the registry."""

    slug: str
    name: str
    province: str
    url: str
    family_key: str
    district: str | None = None
    categories: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()

    @property
    def family(self) -> Family:
        """The portal family of this ward."""
        return FAMILIES[self.family_key]

    @property
    def netlocs(self) -> frozenset[str]:
        """Host[:port] values that belong to this ward's own site (its URL's and aliases')."""
        return frozenset({netloc_of(self.url), *(netloc_of(f"http://{a}") for a in self.aliases)})

    def row(self) -> dict[str, str | None]:
        """The `wards` table row."""
        return {
            "slug": self.slug,
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "url": self.url,
            "family": self.family_key,
        }


def netloc_of(url: str) -> str:
    """Lowercase host[:port] of a URL, without default ports or `www.`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    if port and port not in (80, 443):
        return f"{host}:{port}"
    return host


def default_registry_path() -> Path:
    """The registry shipped in the package."""
    return Path(str(resources.files("wardcrawler.portals").joinpath("wards.toml")))


def load_wards(path: Path | str | None = None) -> list[Ward]:
    """Load and validate a registry file (the shipped one by default)."""
    path = Path(path) if path else default_registry_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(path, "-", "-", f"cannot read registry: {exc}") from exc
    tables = data.get("ward")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(path, "-", "ward", "no [[ward]] tables")
    wards: list[Ward] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        ward = _parse_ward(path, index, table)
        if ward.slug in seen:
            raise RegistryError(path, ward.slug, "slug", "duplicate slug")
        seen.add(ward.slug)
        wards.append(ward)
    return wards


def _parse_ward(path: Path, index: int, table: dict) -> Ward:
    """Validate one `[[ward]]` table."""
    label = str(table.get("slug") or f"#{index}")

    def fail(key: str, problem: str) -> RegistryError:
        return RegistryError(path, label, key, problem)

    for key in table:
        if key not in REQUIRED + OPTIONAL:
            raise fail(key, f"unknown key (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED + ("district",):
        value = table.get(key)
        if key in table and (not isinstance(value, str) or not value.strip()):
            raise fail(key, "must be a non-empty string")
        if key in REQUIRED and key not in table:
            raise fail(key, "missing")
    if not SLUG_RE.match(table["slug"]):
        raise fail("slug", "must be lowercase ASCII words joined by hyphens")
    if table["family"] not in FAMILIES:
        raise fail("family", f"unknown family {table['family']!r} (known: {', '.join(FAMILIES)})")
    url = urlsplit(table["url"])
    if url.scheme not in ("http", "https") or not url.hostname:
        raise fail("url", f"not an http(s) URL: {table['url']!r}")
    return Ward(
        slug=table["slug"],
        name=table["name"],
        province=table["province"],
        url=table["url"],
        family_key=table["family"],
        district=table.get("district"),
        categories=_string_list(table, "categories", fail),
        aliases=_aliases(table, fail),
    )


HOST_RE = re.compile(r"^[a-z0-9.-]+(?::\d+)?$")


def _aliases(table: dict, fail) -> tuple[str, ...]:
    """Other host names of the site: bare `host[:port]` values, lowercase."""
    aliases = tuple(a.lower() for a in _string_list(table, "aliases", fail) or ())
    for alias in aliases:
        if not HOST_RE.match(alias):
            raise fail("aliases", f"not a host name: {alias!r} (write it without scheme or path)")
    return aliases


def _string_list(table: dict, key: str, fail) -> tuple[str, ...] | None:
    """An optional list of non-empty strings."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(key, "must be a list of non-empty strings")
    if not value:
        raise fail(key, "must not be empty (omit it to discover categories)")
    return tuple(v.strip() for v in value)
