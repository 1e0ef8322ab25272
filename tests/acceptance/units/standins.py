"""Shared pieces of the units acceptance suite: registries written from replica sites."""

from __future__ import annotations

import json
from pathlib import Path


def toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def ward_table(**fields) -> str:
    lines = ["[[ward]]"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(toml_str(v) for v in value)}]")
        else:
            lines.append(f"{key} = {toml_str(value)}")
    return "\n".join(lines) + "\n"


def write_registry(path: Path, *tables: str) -> Path:
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def site(replica, slug: str):
    return next(s for s in replica.sites if s.slug == slug)


def port_of(url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port
