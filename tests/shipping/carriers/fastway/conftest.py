"""The live server's emulators for the adapter's tests against them (test_sandbox)."""

from tests.sandbox.conftest import sandbox  # noqa: F401  (fixture)
