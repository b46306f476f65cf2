"""The stock sync's reliability drills at full size (tests/channels/drills/ runs them small
enough for the test suite): the property run with 50 examples, the fault drill with 10,000
changes per platform under 30 % failed writes, and the crash drill with 300 postings. Each is
the test itself run by pytest with larger numbers; a value is its wall time, and a drill that
fails stops the group with its output.

``make bench ONLY=sync_drills``; ``KUCUN_BENCH_DRILL_DATABASE_URL`` runs the in-process
drills on PostgreSQL (the crash drill keeps its own SQLite file).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

DRILLS = [
    ("property", "tests/channels/drills/test_properties.py", {"KUCUN_DRILL_EXAMPLES": "50"}),
    ("faults", "tests/channels/drills/test_faults.py", {"KUCUN_DRILL_CHANGES": "10000"}),
    ("crash", "tests/channels/drills/test_crash.py", {"KUCUN_DRILL_POSTINGS": "300"}),
]


def run() -> Iterator[tuple[str, float, str]]:
    database = os.environ.get("KUCUN_BENCH_DRILL_DATABASE_URL")
    for name, path, sizes in DRILLS:
        env = {**os.environ, **sizes}
        env.pop("DATABASE_URL", None)
        if database:
            env["DATABASE_URL"] = database
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:logging", path],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError(f"the {name} drill failed:\n{done.stdout[-5000:]}{done.stderr}")
        yield f"sync_drills.{name}.wall", round(elapsed, 1), "s"
