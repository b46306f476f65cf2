"""The worker has no request: an import's or export's outcome is written in the language of
the person who started it, whatever language is active where it runs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kucun.accounts.choices import Role
from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.services import export_run_create, import_run_create, import_run_execute
from kucun.core.models import ImportRun
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def queued_import(user: Any, text: str) -> ImportRun:
    upload = text.encode()
    return import_run_create(
        user=user,
        kind="items",
        upload=io.BytesIO(upload),
        original_name="items.csv",
        size=len(upload),
        options=ImportOptions(valid_rows_only=True),
    )


def test_an_import_is_reported_in_the_language_of_who_started_it() -> None:
    chinese = UserFactory(username="mei", role=Role.STAFF, language="zh-hans")
    english = UserFactory(username="ed", role=Role.STAFF, language="en")
    for_chinese = queued_import(chinese, "sku,name\nJAM-RED,果酱\n,无货号\n")
    for_english = queued_import(english, "sku,name\nJAM-RED,Jam\n")

    with translation.override("en"):
        for_chinese = import_run_execute(import_run_id=for_chinese.pk)
    with translation.override("zh-hans"):
        for_english = import_run_execute(import_run_id=for_english.pk)

    assert for_chinese.message == "新增 1 条，更新 0 条。 1 行有错误，未导入。"
    messages = [error["message"] for error in for_chinese.errors]
    assert messages == ["SKU 为必填项：请输入货品的库存编码。"]
    assert for_english.message == "0 created, 1 updated."
    assert translation.get_language() == "en"


def test_an_export_is_reported_in_the_language_of_who_started_it() -> None:
    ItemFactory(sku="TEA-GREEN")
    chinese = UserFactory(username="mei", role=Role.STAFF, language="zh-hans")

    run = export_run_create(user=chinese, kind="items", file_format="csv", filters={})

    assert run.message == "已导出 1 行。"
