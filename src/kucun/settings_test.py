"""Settings for the test suite: the real settings with fast hashing and an inline queue."""

from __future__ import annotations

import os

from kucun.settings import *  # noqa: F403
from kucun.settings import HUEY, STATIC_ROOT, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run inline unless a test exercises the real queue explicitly.
HUEY = {**HUEY, "immediate": os.environ.get("KUCUN_TEST_REAL_QUEUE") != "1"}
SANDBOX_ENABLED = True
# With tasks inline, a stock sync drain at every commit would consume the availability changes
# that the ledger's tests read; the stock sync's tests turn it on where they test it.
STOCK_SYNC_DRAIN_ON_COMMIT = False

# WhiteNoise looks for collected files at start-up; tests serve static files from the apps.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
