"""Run the web server and the queue consumer as child processes under one parent.

Ctrl-C or SIGTERM stops them all cleanly. A child that exits on its own is reported
and the others are stopped, so the system never runs half-up without anyone knowing.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

STOP_GRACE_SECONDS = 15


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None


class Supervisor:
    def __init__(self, children: list[Child], *, report: Callable[[str], None]) -> None:
        self.children = children
        self.report = report
        self.stopping = False
        self.exit_code = 0

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            self.report(f"received {signal.Signals(signum).name}, stopping")
        self.stopping = True

    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(child.command)
            self.report(f"started {child.name} (pid {child.process.pid})")

    def watch(self) -> None:
        while not self.stopping:
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is not None:
                    self.report(f"{child.name} exited unexpectedly with code {code}; stopping")
                    self.exit_code = code or 1
                    self.stopping = True
                    break
            time.sleep(0.5)

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.report(f"{child.name} did not stop in time; killing it")
                child.process.kill()
                child.process.wait()
            self.report(f"stopped {child.name}")

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        try:
            self.start()
            self.watch()
        finally:
            self.stop_all()
        return self.exit_code


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]
