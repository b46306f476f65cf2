"""Emulator state: shared by every web worker, kept across restarts, and knowing nothing of
Kucun's domain. Each emulator keeps its records (shops, products, variants, tokens, tasks,
idempotency keys, webhook subscriptions …) as JSON documents in named collections."""

from __future__ import annotations

from django.db import models


class EmulatorRecord(models.Model):
    system = models.CharField(max_length=20)  # "shopify", "ebay", "kogan", "pisell", carriers…
    account = models.CharField(max_length=200)  # the shop, seller or API tenant it belongs to
    collection = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()  # the emulator's clock, not the wall clock
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "account", "collection", "key"], name="emulator_record_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["system", "account", "collection", "updated_at", "id"],
                name="emulator_record_updated",
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}/{self.account}/{self.collection}/{self.key}"


class EmulatorFault(models.Model):
    """A registered fault: requests matching method, path and operation get this answer (or
    this delay) ``times`` times (0 = until cleared)."""

    system = models.CharField(max_length=20)
    method = models.CharField(max_length=10, blank=True)
    path_regex = models.CharField(max_length=300, blank=True)
    operation = models.CharField(max_length=100, blank=True)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    delay_ms = models.PositiveIntegerField(default=0)
    after_apply = models.BooleanField(
        default=False, help_text="Apply the request, then answer the fault (an answer lost)."
    )
    probability = models.FloatField(default=1.0)
    times = models.PositiveIntegerField(default=1)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.system} {self.method} {self.path_regex} → {self.status}"


class EmulatorSetting(models.Model):
    """Per-emulator knobs: clock, rate-limit buckets' size and refill, token lifetime,
    polls before an asynchronous write completes…"""

    system = models.CharField(max_length=20)
    name = models.CharField(max_length=60)
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "name"], name="emulator_setting_name")
        ]

    def __str__(self) -> str:
        return f"{self.system}.{self.name}"


class EmulatorBucket(models.Model):
    """A rate-limit bucket per credential."""

    system = models.CharField(max_length=20)
    credential = models.CharField(max_length=100)  # a digest, never the credential itself
    tokens = models.FloatField()
    refilled_at = models.FloatField()  # the emulator clock as epoch seconds

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "credential"], name="emulator_bucket_key")
        ]

    def __str__(self) -> str:
        return f"{self.system} bucket {self.credential[:8]}"


class EmulatorRequest(models.Model):
    """The emulator's access log: what was asked, by which account, and what it answered."""

    system = models.CharField(max_length=20)
    account = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    operation = models.CharField(max_length=100, blank=True)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["system", "account", "-id"], name="emulator_request_recent")
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.method} {self.path} {self.status}"
