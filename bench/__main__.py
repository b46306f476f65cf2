"""Run the benchmark groups. Each group is a module in this package with a `run()` generator
that yields (name, value, unit) and sets up its own throw-away database under var/bench/."""

from __future__ import annotations

import argparse
import importlib
import sys

GROUPS = ["ledger", "imports", "api", "sync", "sync_drills", "shipping", "orders"]
ALIASES = {"import": "imports", "export": "imports"}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--only", help="one group: " + ", ".join(GROUPS))
    options = parser.parse_args()
    groups = GROUPS
    if options.only:
        wanted = ALIASES.get(options.only, options.only)
        if wanted not in GROUPS:
            parser.error(f"unknown group {options.only!r}; choose from {', '.join(GROUPS)}")
        groups = [wanted]
    for group in groups:
        try:
            module = importlib.import_module(f"bench.{group}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.{group}":
                raise
            print(f"# {group}: not written yet", file=sys.stderr)
            continue
        for name, value, unit in module.run():
            print(f"{name}: {value} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
