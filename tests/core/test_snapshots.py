"""read_snapshot: several reads see one moment; writers are not held off meanwhile."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from kucun.core.models import AuditEntry
from kucun.core.snapshots import read_snapshot


def add_entry_elsewhere(done: list[bool]) -> None:
    try:
        AuditEntry.objects.create(action="elsewhere", object_type="test", object_id="1")
        done.append(True)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_reads_in_a_snapshot_do_not_see_a_write_committed_meanwhile() -> None:
    AuditEntry.objects.create(action="before", object_type="test", object_id="0")
    done: list[bool] = []
    with read_snapshot():
        assert AuditEntry.objects.count() == 1
        writer = threading.Thread(target=add_entry_elsewhere, args=(done,))
        writer.start()
        writer.join(timeout=30)
        assert done == [True]  # the writer was not blocked by the open snapshot
        assert AuditEntry.objects.count() == 1
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_inside_a_transaction_the_reads_run_in_it() -> None:
    with transaction.atomic():
        AuditEntry.objects.create(action="inside", object_type="test", object_id="0")
        with read_snapshot():
            assert AuditEntry.objects.filter(action="inside").count() == 1
        assert connection.in_atomic_block
