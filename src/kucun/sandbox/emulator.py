"""What every emulator shares: its clock, its records, rate-limit buckets, registered faults,
the access log and the control plane under ``__emu/``.

An emulator is the vendor: its views speak the vendor's wire format and refuse what the
vendor refuses. Nothing here knows any vendor; each ``sandbox/<system>/`` package builds on it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from kucun.sandbox.models import (
    EmulatorBucket,
    EmulatorFault,
    EmulatorRecord,
    EmulatorRequest,
    EmulatorSetting,
)

DEFAULT_RATE_LIMIT = {"capacity": 40.0, "refill_per_second": 20.0}


def credential_digest(credential: str) -> str:
    """What the emulator stores to tell credentials apart: never the credential itself."""
    return hashlib.sha256(credential.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class BucketAnswer:
    allowed: bool
    remaining: float
    capacity: float
    refill_per_second: float
    retry_after: float  # seconds until ``cost`` tokens are there (0 when allowed)


class Emulator:
    """The shared machinery of one emulated system (``system`` names its sandbox path)."""

    def __init__(self, system: str) -> None:
        self.system = system

    # -- clock ---------------------------------------------------------------------------
    def now(self) -> datetime:
        """The emulator's clock: the wall clock, frozen or moved by the control plane."""
        clock = self.setting("clock", {})
        if clock.get("frozen_at"):
            return datetime.fromisoformat(clock["frozen_at"])
        return datetime.now(tz=UTC) + timedelta(seconds=float(clock.get("offset_seconds", 0)))

    def set_clock(self, *, freeze: str | None = None, advance_seconds: float = 0.0) -> datetime:
        clock = dict(self.setting("clock", {}))
        if freeze is not None:
            clock["frozen_at"] = freeze or None
        if advance_seconds:
            if clock.get("frozen_at"):
                frozen = datetime.fromisoformat(clock["frozen_at"])
                clock["frozen_at"] = (frozen + timedelta(seconds=advance_seconds)).isoformat()
            else:
                clock["offset_seconds"] = float(clock.get("offset_seconds", 0)) + advance_seconds
        self.set_setting("clock", clock)
        return self.now()

    # -- settings ------------------------------------------------------------------------
    def setting(self, name: str, default: Any = None) -> Any:
        found = EmulatorSetting.objects.filter(system=self.system, name=name).first()
        return default if found is None else found.value

    def set_setting(self, name: str, value: Any) -> None:
        EmulatorSetting.objects.update_or_create(
            system=self.system, name=name, defaults={"value": value}
        )

    # -- records -------------------------------------------------------------------------
    def records(self, account: str, collection: str) -> QuerySet[EmulatorRecord]:
        return EmulatorRecord.objects.filter(
            system=self.system, account=account, collection=collection
        )

    def get(self, account: str, collection: str, key: str) -> dict[str, Any] | None:
        found = self.records(account, collection).filter(key=key).first()
        return None if found is None else found.data

    def put(
        self, account: str, collection: str, key: str, data: Mapping[str, Any]
    ) -> EmulatorRecord:
        """Create or replace a record, stamped with the emulator's clock."""
        now = self.now()
        record, created = EmulatorRecord.objects.get_or_create(
            system=self.system,
            account=account,
            collection=collection,
            key=key,
            defaults={"data": dict(data), "created_at": now, "updated_at": now},
        )
        if not created:
            record.data = dict(data)
            record.updated_at = now
            record.save(update_fields=["data", "updated_at"])
        return record

    def put_many(
        self, account: str, collection: str, documents: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> int:
        """Bulk-create records that do not exist yet (seeding thousands at once)."""
        now = self.now()
        rows = [
            EmulatorRecord(
                system=self.system,
                account=account,
                collection=collection,
                key=key,
                data=dict(data),
                created_at=now,
                updated_at=now,
            )
            for key, data in documents
        ]
        EmulatorRecord.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        return len(rows)

    def delete(self, account: str, collection: str, key: str) -> bool:
        deleted, _ = self.records(account, collection).filter(key=key).delete()
        return bool(deleted)

    def accounts(self, collection: str) -> list[str]:
        return list(
            EmulatorRecord.objects.filter(system=self.system, collection=collection)
            .order_by("account")
            .values_list("account", flat=True)
            .distinct()
        )

    # -- rate limiting -------------------------------------------------------------------
    def rate_limit(self) -> dict[str, float]:
        return {**DEFAULT_RATE_LIMIT, **self.setting("rate_limit", {})}

    def take(self, credential: str, cost: float = 1.0) -> BucketAnswer:
        """Take ``cost`` from the credential's bucket (a leaky bucket on the emulator clock)."""
        limit = self.rate_limit()
        capacity, rate = float(limit["capacity"]), float(limit["refill_per_second"])
        now = self.now().timestamp()
        with transaction.atomic():
            bucket, _ = EmulatorBucket.objects.select_for_update().get_or_create(
                system=self.system,
                credential=credential_digest(credential),
                defaults={"tokens": capacity, "refilled_at": now},
            )
            tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.refilled_at) * rate)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            bucket.tokens, bucket.refilled_at = tokens, now
            bucket.save(update_fields=["tokens", "refilled_at"])
        retry_after = 0.0 if allowed else (cost - tokens) / rate if rate > 0 else 60.0
        return BucketAnswer(allowed, tokens, capacity, rate, retry_after)

    # -- faults --------------------------------------------------------------------------
    def claim_fault(
        self, request: HttpRequest, operation: str = "", *, after_apply: bool = False
    ) -> EmulatorFault | None:
        """The first registered fault matching this request, counted as used (atomically)."""
        faults = EmulatorFault.objects.filter(system=self.system, after_apply=after_apply)
        for fault in faults:
            if fault.method and fault.method.upper() != request.method:
                continue
            if fault.path_regex and not re.search(fault.path_regex, request.path):
                continue
            if fault.operation and fault.operation != operation:
                continue
            if fault.probability < 1.0 and random.random() >= fault.probability:
                continue
            if fault.times:
                claimed = EmulatorFault.objects.filter(pk=fault.pk, used__lt=F("times")).update(
                    used=F("used") + 1
                )
                if not claimed:
                    continue
            return fault
        return None

    def fault_before(self, request: HttpRequest, operation: str = "") -> HttpResponse | None:
        """Call first in a vendor view: a registered fault's answer, or None to go on (after
        the fault's delay, if it only delays)."""
        fault = self.claim_fault(request, operation)
        if fault is None:
            return None
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        return self.fault_response(fault)

    def fault_after(
        self, request: HttpRequest, response: HttpResponse, operation: str = ""
    ) -> HttpResponse:
        """Call last in a vendor view that wrote: the request was applied, and a registered
        "answer lost" fault replaces (or delays past the client's timeout) the answer."""
        fault = self.claim_fault(request, operation, after_apply=True)
        if fault is None:
            return response
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        return self.fault_response(fault) or response

    @staticmethod
    def fault_response(fault: EmulatorFault) -> HttpResponse | None:
        if fault.status is None:
            return None
        response = HttpResponse(
            fault.body, status=fault.status, content_type="application/json; charset=utf-8"
        )
        for name, value in (fault.headers or {}).items():
            response[name] = str(value)
        return response

    # -- access log ----------------------------------------------------------------------
    def log(
        self, request: HttpRequest, status: int, *, account: str = "", operation: str = ""
    ) -> None:
        EmulatorRequest.objects.create(
            system=self.system,
            account=account,
            method=request.method or "",
            path=request.path[:500],
            operation=operation[:100],
            status=status,
            at=self.now(),
        )

    def request_count(self, account: str | None = None, since_id: int = 0) -> int:
        found = EmulatorRequest.objects.filter(system=self.system, id__gt=since_id)
        if account is not None:
            found = found.filter(account=account)
        return found.count()

    # -- reset ---------------------------------------------------------------------------
    def wipe(self) -> None:
        """Drop every record, fault, setting, bucket and logged request of this system."""
        for model in (EmulatorRecord, EmulatorFault, EmulatorSetting, EmulatorBucket):
            model.objects.filter(system=self.system).delete()
        EmulatorRequest.objects.filter(system=self.system).delete()


def json_body(request: HttpRequest) -> Any:
    """The request's JSON, or None when the body is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


def add_fault(emulator: Emulator, spec: Mapping[str, Any]) -> EmulatorFault:
    """A fault from the control plane's JSON:
    ``{match: {method, path_regex, op}, response: {status, body, headers}, times, delay_ms,
    after_apply, probability}``. ``body`` may be a string or JSON."""
    match = spec.get("match") or {}
    response = spec.get("response") or {}
    body = response.get("body", "")
    return EmulatorFault.objects.create(
        system=emulator.system,
        method=str(match.get("method", "")),
        path_regex=str(match.get("path_regex", "")),
        operation=str(match.get("op", "")),
        status=response.get("status"),
        body=body if isinstance(body, str) else json.dumps(body),
        headers=response.get("headers") or {},
        delay_ms=int(spec.get("delay_ms", 0)),
        after_apply=bool(spec.get("after_apply", False)),
        probability=float(spec.get("probability", 1.0)),
        times=int(spec.get("times", 1)),
    )


ControlView = Callable[[HttpRequest], HttpResponse]


def json_answer(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"default": str})
