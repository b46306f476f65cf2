"""Run the web server and the queue consumer as child processes under one parent.

Ctrl-C or SIGTERM stops them all cleanly: each child gets its own graceful stop signal and
some time to finish; a second Ctrl-C (or a child that does not stop in time) kills it.
A child that exits on its own is reported and the others are stopped, and the parent exits
non-zero, so the system never runs half-up without anyone knowing.

Children run in their own process group, so a Ctrl-C in the terminal reaches only the
parent, which then stops each child the way that child expects. On Linux each child is
also told to stop if the parent itself dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

STOP_GRACE_SECONDS = 20.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    command: list[str]
    # The signal that asks this program to finish its current work and exit.
    stop_signal: int = signal.SIGTERM
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _stop_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask the kernel to send SIGTERM to this child when its parent dies (Linux only)."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    libc = ctypes.CDLL(name, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        report: Callable[[str], None],
        stop_grace_seconds: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.children = children
        self.report = report
        self.stop_grace_seconds = stop_grace_seconds
        self.stopping = False
        self.force = False
        self.exit_code = 0

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.stopping:
            if not self.force:
                self.report(f"received {name} again, killing what is still running")
            self.force = True
            return
        self.report(f"received {name}, stopping")
        self.stopping = True

    def start(self) -> None:
        for child in self.children:
            if self.stopping:
                return
            child.process = subprocess.Popen(
                child.command,
                env=child.env,
                process_group=0,
                preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None,
            )
            self.report(f"started {child.name} (pid {child.process.pid})")

    def watch(self) -> None:
        while not self.stopping:
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is not None:
                    self.report(
                        f"{child.name} (pid {child.process.pid}) {describe_exit(code)} "
                        "unexpectedly; stopping the others"
                    )
                    self.exit_code = code if code > 0 else 1
                    self.stopping = True
                    break
            else:
                time.sleep(POLL_SECONDS)

    def stop_all(self) -> None:
        running = [child for child in self.children if child.running]
        for child in running:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(child.stop_signal)
        deadline = time.monotonic() + self.stop_grace_seconds
        while any(child.running for child in running):
            if self.force or time.monotonic() >= deadline:
                for child in running:
                    if child.running:
                        assert child.process is not None
                        self.report(f"{child.name} did not stop in time; killing it")
                        child.process.kill()
                break
            time.sleep(POLL_SECONDS / 2)
        for child in running:
            assert child.process is not None
            code = child.process.wait()
            self.report(f"stopped {child.name} ({describe_exit(code)})")

    def run(self) -> int:
        previous = {
            signum: signal.signal(signum, self.request_stop)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.start()
            self.watch()
        finally:
            self.stopping = True
            self.stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.exit_code


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]
