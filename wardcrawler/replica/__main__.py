"""`python -m wardcrawler.replica --out DIR`: serve the replica wards until interrupted."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve."""
    parser = argparse.ArgumentParser(
        prog="python -m wardcrawler.replica",
        description="Serve the replica ward portals on 127.0.0.1 and write wards.toml/truth.json.",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for wards.toml, truth.json"
    )
    parser.add_argument("--seed", type=int, default=0, help="content seed (default 0)")
    parser.add_argument(
        "--advance-on-signal",
        action="store_true",
        help="on SIGUSR1, apply one night of changes and rewrite truth.json",
    )
    args = parser.parse_args(argv)
    serve_forever(args.out, seed=args.seed, advance_on_signal=args.advance_on_signal)


if __name__ == "__main__":
    main()
