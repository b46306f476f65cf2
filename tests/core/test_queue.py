"""A task enqueued for real (not run inline) goes through the queue to a separate consumer
process and its result comes back: on SqliteHuey always, on RedisHuey when Redis is there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"

# Enqueues a ping, says so, then waits for the result and prints it.
PRODUCER = """
import json, os, sys, django
django.setup()
from huey.contrib.djhuey import HUEY
from kucun.core.health_tasks import queue_ping
assert not HUEY.immediate
result = queue_ping(sys.argv[1])
print("enqueued", flush=True)
answer = result.get(blocking=True, timeout=float(sys.argv[2]))
print(json.dumps({"answer": answer, "pid": os.getpid(), "huey": type(HUEY).__name__}))
HUEY.storage.flush_all()
"""

# The consumer that `kucun serve` runs, with the ping task known to it.
CONSUMER = """
import sys
import kucun.core.health_tasks
from kucun.cli import main
main(["kucun", "run_huey", "--workers", "1", "--no-periodic"])
"""


def queue_env(var_dir: Path, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "KUCUN_TEST_REAL_QUEUE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kucun.settings",
        PYTHONPATH=str(SRC),
        KUCUN_VAR_DIR=str(var_dir),
        KUCUN_QUEUE_NAME=f"kucun-test-{uuid.uuid4().hex[:12]}",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def round_trip(var_dir: Path, redis_url: str = "") -> dict[str, object]:
    env = queue_env(var_dir, redis_url)
    # `kucun run_huey` works on an existing database (an empty one is enough for the ping).
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "kucun.sqlite3").touch()
    token = uuid.uuid4().hex
    producer = subprocess.Popen(
        [sys.executable, "-c", PRODUCER, token, "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    consumer = None
    try:
        # The message waits in the queue until a consumer exists.
        assert producer.stdout is not None
        assert producer.stdout.readline().strip() == "enqueued", producer.stderr
        consumer = subprocess.Popen(
            [sys.executable, "-c", CONSUMER],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = producer.communicate(timeout=90)
        assert producer.returncode == 0, err
    finally:
        producer.kill()
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=30)
    data = json.loads(out)
    assert data["answer"]["token"] == token
    assert data["answer"]["database"] is True
    assert data["answer"]["pid"] == consumer.pid
    assert data["answer"]["pid"] != data["pid"]
    return dict(data)


def redis_url_for_tests() -> str:
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail("REDIS_URL must be set for the PostgreSQL pass in CI; the queue is untested")
    import redis

    try:
        redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {LOCAL_REDIS} and REDIS_URL is not set")
    return LOCAL_REDIS


def test_round_trip_through_sqlite_huey(tmp_path: Path) -> None:
    assert round_trip(tmp_path)["huey"] == "SqliteHuey"


def test_round_trip_through_redis_huey(tmp_path: Path) -> None:
    assert round_trip(tmp_path, redis_url_for_tests())["huey"] == "RedisHuey"


@pytest.mark.django_db
def test_ping_answers_with_its_process_and_database() -> None:
    from kucun.core.health_tasks import queue_ping

    answer = queue_ping.call_local("here")
    assert answer["token"] == "here"
    assert answer["pid"] == os.getpid()
    assert answer["database"] is True
