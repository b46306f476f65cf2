"""The supervisor with real child processes: clean stops, reported deaths, forced kills."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kucun.core.supervisor import describe_exit

# A parent that supervises the children described in its argv (JSON), as `kucun serve` does.
HARNESS = textwrap.dedent(
    """
    import json, signal, sys
    from kucun.core.supervisor import Child, Supervisor
    specs = json.loads(sys.argv[1])
    children = [
        Child(s["name"], [sys.executable, "-c", s["code"]], stop_signal=s.get("stop", 15))
        for s in specs
    ]
    supervisor = Supervisor(
        children, report=lambda line: sys.stderr.write(f"supervisor: {line}\\n"),
        stop_grace_seconds=float(sys.argv[2]),
    )
    sys.exit(supervisor.run())
    """
)

# Each line goes out in one write, so lines of several processes sharing the pipe never mix.
READY = "import sys\nsys.stderr.write('child ready\\n')\nsys.stderr.flush()\n"
LOOP = "import time\nwhile True: time.sleep(0.1)\n"
SLEEPER = READY + LOOP
# Exits only on SIGINT (as huey's consumer does its graceful stop); ignores SIGTERM.
INT_ONLY = (
    "import signal, sys\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "signal.signal(signal.SIGINT, lambda *a: sys.exit(0))\n" + READY + LOOP
)
STUBBORN = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + READY + LOOP


class Parent:
    """Runs HARNESS and collects its standard error (and its children's) line by line."""

    def __init__(self, specs: list[dict[str, object]], grace: float = 10.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", HARNESS, json.dumps(specs), str(grace)],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        ready = sum(READY in str(spec["code"]) for spec in specs)
        started = wait_until(
            lambda: len(self.pids) == len(specs) and self.lines.count("child ready") == ready,
            timeout=30,
        )
        if not started:
            self.process.kill()
            raise AssertionError(f"children did not start: {self.lines}")

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def pids(self) -> dict[str, int]:
        found = (
            re.fullmatch(r"supervisor: started (.+) \(pid (\d+)\)", line) for line in self.lines
        )
        return {match.group(1): int(match.group(2)) for match in found if match}

    def finish(self, timeout: float = 30) -> tuple[int, list[str]]:
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self.process.kill()
        self.reader.join(timeout=10)
        return code, self.lines


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_stops_every_child_and_exits_zero() -> None:
    parent = Parent([{"name": "one", "code": SLEEPER}, {"name": "two", "code": SLEEPER}])
    parent.process.send_signal(signal.SIGTERM)
    code, lines = parent.finish()
    assert code == 0
    assert "supervisor: received SIGTERM, stopping" in lines
    assert "supervisor: stopped one (was killed by SIGTERM)" in lines
    assert "supervisor: stopped two (was killed by SIGTERM)" in lines
    assert not any(alive(pid) for pid in parent.pids.values())


def test_ctrl_c_stops_every_child_with_its_own_stop_signal() -> None:
    parent = Parent(
        [
            {"name": "web", "code": SLEEPER},
            {"name": "consumer", "code": INT_ONLY, "stop": int(signal.SIGINT)},
        ]
    )
    parent.process.send_signal(signal.SIGINT)
    code, lines = parent.finish()
    assert code == 0
    assert "supervisor: received SIGINT, stopping" in lines
    # The consumer ignores SIGTERM: it stopped cleanly only because it was sent SIGINT.
    assert "supervisor: stopped consumer (exited with code 0)" in lines
    assert not any("killing" in line for line in lines)
    assert not any(alive(pid) for pid in parent.pids.values())


def test_a_child_that_dies_is_reported_and_the_rest_stopped() -> None:
    parent = Parent([{"name": "web", "code": SLEEPER}, {"name": "consumer", "code": SLEEPER}])
    os.kill(parent.pids["consumer"], signal.SIGKILL)
    code, lines = parent.finish()
    assert code == 1
    consumer_pid = parent.pids["consumer"]
    assert (
        f"supervisor: consumer (pid {consumer_pid}) was killed by SIGKILL unexpectedly; "
        "stopping the others"
    ) in lines
    assert "supervisor: stopped web (was killed by SIGTERM)" in lines
    assert not alive(parent.pids["web"])


def test_a_child_exit_code_becomes_the_parent_exit_code() -> None:
    parent = Parent(
        [
            {"name": "web", "code": SLEEPER},
            {"name": "bad", "code": "import time, sys\ntime.sleep(0.5)\nsys.exit(3)"},
        ]
    )
    code, lines = parent.finish()
    assert code == 3
    assert any(
        re.fullmatch(
            r"supervisor: bad \(pid \d+\) exited with code 3 unexpectedly; stopping the others",
            line,
        )
        for line in lines
    )
    assert not alive(parent.pids["web"])


def test_a_child_exiting_cleanly_on_its_own_still_fails_the_parent() -> None:
    parent = Parent(
        [
            {"name": "web", "code": SLEEPER},
            {"name": "quitter", "code": "import time; time.sleep(0.5)"},
        ]
    )
    code, lines = parent.finish()
    assert code == 1
    assert any("quitter" in line and "exited with code 0 unexpectedly" in line for line in lines)


def test_a_child_that_ignores_its_stop_signal_is_killed_after_the_grace_time() -> None:
    parent = Parent(
        [{"name": "web", "code": SLEEPER}, {"name": "stubborn", "code": STUBBORN}], grace=1.0
    )
    started = time.monotonic()
    parent.process.send_signal(signal.SIGTERM)
    code, lines = parent.finish()
    assert code == 0
    assert time.monotonic() - started < 8
    assert "supervisor: stubborn did not stop in time; killing it" in lines
    assert "supervisor: stopped stubborn (was killed by SIGKILL)" in lines
    assert not alive(parent.pids["stubborn"])


def test_a_second_signal_kills_what_is_still_running_at_once() -> None:
    parent = Parent([{"name": "stubborn", "code": STUBBORN}], grace=60.0)
    started = time.monotonic()
    parent.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    parent.process.send_signal(signal.SIGINT)
    code, lines = parent.finish()
    assert code == 0
    assert time.monotonic() - started < 10
    assert "supervisor: received SIGINT again, killing what is still running" in lines
    assert "supervisor: stopped stubborn (was killed by SIGKILL)" in lines


def test_children_stop_when_the_parent_is_killed_outright() -> None:
    parent = Parent([{"name": "one", "code": SLEEPER}])
    parent.process.kill()
    parent.process.wait()
    assert wait_until(lambda: not alive(parent.pids["one"]))


def test_terminal_ctrl_c_reaches_only_the_parent() -> None:
    parent = Parent([{"name": "one", "code": SLEEPER}])
    child_pgid = os.getpgid(parent.pids["one"])
    assert child_pgid == parent.pids["one"]
    assert child_pgid != os.getpgid(parent.process.pid)
    parent.process.send_signal(signal.SIGTERM)
    assert parent.finish()[0] == 0


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "exited with code 0"),
        (2, "exited with code 2"),
        (-9, "was killed by SIGKILL"),
        (-15, "was killed by SIGTERM"),
    ],
)
def test_describe_exit(code: int, text: str) -> None:
    assert describe_exit(code) == text
