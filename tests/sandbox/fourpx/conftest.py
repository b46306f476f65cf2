"""A 4PX app's client on the live server, signing as fourpx.md §1.2 says (computed here, not
borrowed from the emulator), and the control plane of the 4PX emulator."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from kucun.sandbox.fourpx.state import DEFAULT_APP_KEY, DEFAULT_APP_SECRET
from tests.sandbox.conftest import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"
UNSIGNED = ("sign", "access_token", "language")


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def doc_sign(params: Mapping[str, str], body: str, secret: str) -> str:
    """fourpx.md §1.2, step by step: every parameter but sign/access_token/language, sorted
    by name, name then value without separators; the body as sent; the secret; MD5."""
    signed = "".join(f"{name}{params[name]}" for name in sorted(params) if name not in UNSIGNED)
    return hashlib.md5(f"{signed}{body}{secret}".encode(), usedforsecurity=False).hexdigest()


def compact(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


@dataclass
class FourPX:
    """One app's client: ``call`` signs and sends, ``ok`` / ``refused`` read the envelope."""

    sandbox: Sandbox
    http: httpx.Client
    app_key: str = DEFAULT_APP_KEY
    app_secret: str = DEFAULT_APP_SECRET
    sent: list[str] = field(default_factory=list)

    @property
    def gateway(self) -> str:
        return self.sandbox.url("fourpx", "router/api/service")

    def params(self, method: str, *, v: str = "1.0.0", **more: str) -> dict[str, str]:
        return {
            "method": method,
            "app_key": self.app_key,
            "v": v,
            "timestamp": str(int(time.time() * 1000)),
            "format": "json",
            **more,
        }

    def send(self, params: Mapping[str, str], body: str | bytes) -> httpx.Response:
        content = body.encode() if isinstance(body, str) else body
        return self.http.post(
            self.gateway,
            params=dict(params),
            content=content,
            headers={"Content-Type": "application/json"},
        )

    def call(self, method: str, body: Any = None, **more: str) -> httpx.Response:
        text = compact({} if body is None else body)
        params = self.params(method, **more)
        params["sign"] = doc_sign(params, text, self.app_secret)
        self.sent.append(text)
        return self.send(params, text)

    def ok(self, method: str, body: Any = None, **more: str) -> Any:
        response = self.call(method, body, **more)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["result"] == "1", answer
        assert answer["errors"] is None
        return answer["data"]

    def refused(self, method: str, body: Any = None, **more: str) -> list[dict[str, Any]]:
        response = self.call(method, body, **more)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["result"] == "0", answer
        assert answer.get("data") is None
        errors: list[dict[str, Any]] = answer["errors"]
        return errors

    def codes(self, method: str, body: Any = None, **more: str) -> list[str]:
        return [error["error_code"] for error in self.refused(method, body, **more)]

    # -- the control plane ------------------------------------------------------------------
    def emu(self, name: str, json: object = None) -> Any:
        return self.sandbox.emu("fourpx", name, json).json()

    def state(self, account: str | None = DEFAULT_APP_KEY) -> Any:
        params = {"account": account} if account is not None else {}
        answer = self.sandbox.control.get(self.sandbox.url("fourpx", "__emu/state"), params=params)
        answer.raise_for_status()
        return answer.json()

    def advance(self, seconds: float) -> None:
        self.emu("clock", {"advance_seconds": seconds})

    def other_app(self, app_key: str, app_secret: str) -> FourPX:
        return FourPX(self.sandbox, self.http, app_key, app_secret)

    # -- consignments -----------------------------------------------------------------------
    def create(self, ref_no: str, **changes: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.ok("ds.xms.order.create", order(ref_no, **changes))
        return data


def order(ref_no: str, /, *, parcels: int = 1, **changes: Any) -> dict[str, Any]:
    """The golden create request (fourpx.md §6) under another ref_no, with ``parcels`` copies
    of its parcel and any top-level field replaced."""
    body: dict[str, Any] = golden("order_create_request")
    body["ref_no"] = ref_no
    body["parcel_list"] = body["parcel_list"] * parcels
    body.update(changes)
    return body


@pytest.fixture
def fourpx(sandbox: Sandbox) -> Iterator[FourPX]:
    """The default app's client on a freshly reset 4PX emulator."""
    sandbox.emu("fourpx", "reset")
    with httpx.Client(timeout=30) as http:
        yield FourPX(sandbox, http)
