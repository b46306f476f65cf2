"""What import-linter cannot see: a lower layer naming a higher one in a string.

`lint-imports` (make lint) checks import statements. A lower layer can also reach up by
``apps.get_model("inventory", ...)`` or by a dotted path in a string ("kucun.inventory...") that
something imports later; this test reads every module under src/kucun (migrations excepted) and
names the file and line of each such reference.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import kucun
from scripts.import_contracts import imported_names

SOURCE = Path(kucun.__file__).resolve().parent
TOP = 99
# Lowest first, as in the import-linter layers contract (pyproject.toml).
RANKS = {
    "core": 0,
    "accounts": 1,
    "warehouses": 2,
    "catalog": 2,
    "inventory": 3,
    "channels": 4,
    "shipping": 5,
    "orders": 6,
}
SANDBOX = "sandbox"
DOTTED = re.compile(r"\bkucun\.([a-z_]+)")


def rank(package: str) -> int:
    return RANKS.get(package, TOP)


def reaches_up(own: str, target: str) -> bool:
    """True when a module of package ``own`` may not name package ``target``."""
    if target == own:
        return False
    if own == SANDBOX:
        return target != "core"
    if target == SANDBOX:
        return rank(own) != TOP
    if rank(own) == TOP:
        return False
    # Above, or a sibling of the same layer (warehouses and catalog stay independent).
    return rank(target) >= rank(own)


def docstring_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def model_label(call: ast.Call) -> str | None:
    """The app label of ``<anything>.get_model("label", ...)`` or ``get_model("label.Model")``."""
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    if name != "get_model" or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.split(".", 1)[0]
    return None


def violations_in(path: Path, own: str, relative: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = docstring_nodes(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            label = model_label(node)
            if label is not None and reaches_up(own, label):
                found.append(f"{relative}:{node.lineno}: apps.get_model({label!r}, ...)")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            for match in DOTTED.finditer(node.value):
                if reaches_up(own, match.group(1)):
                    found.append(f"{relative}:{node.lineno}: string {node.value!r}")
                    break
    return found


def layer_violations(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if "migrations" in parts:
            continue
        own = parts[0] if len(parts) > 1 else path.stem
        found += violations_in(path, own, "/".join(parts))
    return found


def test_no_lower_layer_names_a_higher_one_in_a_string() -> None:
    assert layer_violations(SOURCE) == []


TEMPLATE_REFERENCE = re.compile(r"""{%\s*(?:extends|include)\s+["']([a-z_]+)/""")
URL_REFERENCE = re.compile(r"""{%\s*url\s+["']([a-z_]+):""")
APP_NAME = re.compile(r"""^app_name\s*=\s*["']([a-z_]+)["']""", re.MULTILINE)


def template_owners(root: Path) -> dict[str, str]:
    """Template directory (``inventory/`` in "inventory/stock_list.html") → the app holding it."""
    return {
        directory.name: directory.parent.parent.name
        for directory in root.glob("*/templates/*")
        if directory.is_dir()
    }


def url_owners(root: Path) -> dict[str, str]:
    """URL namespace → the app whose urls module declares it."""
    owners = {}
    for path in root.rglob("urls.py"):
        found = APP_NAME.search(path.read_text(encoding="utf-8"))
        if found:
            parts = path.relative_to(root).parts
            owners[found.group(1)] = parts[0] if len(parts) > 1 else "urls"
    return owners


def template_violations(root: Path) -> list[str]:
    """Templates of a lower app that extend, include or link to a higher app's."""
    templates, namespaces = template_owners(root), url_owners(root)
    found = []
    for path in sorted(root.glob("*/templates/**/*.html")):
        own = path.relative_to(root).parts[0]
        text = path.read_text(encoding="utf-8")
        for pattern, owners in ((TEMPLATE_REFERENCE, templates), (URL_REFERENCE, namespaces)):
            for match in pattern.finditer(text):
                target = owners.get(match.group(1), "")
                if target and reaches_up(own, target):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(root)}:{line}: {match.group(0)}")
    return found


def test_no_lower_template_reaches_a_higher_app() -> None:
    assert template_violations(SOURCE) == []


def test_the_template_scan_finds_extends_includes_and_urls_upwards(tmp_path: Path) -> None:
    for app, directory in (("core", "core"), ("web", "web"), ("inventory", "inventory")):
        (tmp_path / app / "templates" / directory).mkdir(parents=True)
    (tmp_path / "web" / "urls.py").write_text('app_name = "web"\n')
    (tmp_path / "inventory" / "urls.py").write_text('app_name = "inventory"\n')
    (tmp_path / "inventory" / "templates" / "inventory" / "list.html").write_text(
        '{% extends "core/base.html" %}\n{% include "web/includes/x.html" %}\n'
        "{% url 'inventory:stock' %} {% url 'web:home' %}\n"
    )
    (tmp_path / "web" / "templates" / "web" / "home.html").write_text(
        "{% url 'inventory:stock' %}\n"
    )
    assert template_violations(tmp_path) == [
        'inventory/templates/inventory/list.html:2: {% include "web/',
        "inventory/templates/inventory/list.html:3: {% url 'web:",
    ]


def test_the_scan_finds_model_lookups_and_dotted_paths_upwards(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "services.py").write_text(
        '"""Docstrings may say kucun.inventory."""\n'
        "from django.apps import apps\n"
        'bin_stock = apps.get_model("inventory", "BinStock")\n'
        'warehouses = apps.get_model("warehouses.Warehouse")\n'
        'errors = apps.get_model("core", "AuditEntry")\n'
        'HOOK = "kucun.inventory.hooks.register"\n'
        'SANDBOX = "python -m kucun.sandbox.run"\n'
    )
    (tmp_path / "catalog" / "migrations").mkdir()
    (tmp_path / "catalog" / "migrations" / "0002_data.py").write_text(
        'model = apps.get_model("inventory", "BinStock")\n'
    )
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "views.py").write_text(
        'ok = "kucun.core.errors"\nwrong = "kucun.accounts.models"\n'
    )
    (tmp_path / "urls.py").write_text('ok = "kucun.web.data.urls"\n')

    assert layer_violations(tmp_path) == [
        "catalog/services.py:3: apps.get_model('inventory', ...)",
        "catalog/services.py:4: apps.get_model('warehouses', ...)",
        "catalog/services.py:6: string 'kucun.inventory.hooks.register'",
        "catalog/services.py:7: string 'python -m kucun.sandbox.run'",
        "sandbox/views.py:2: string 'kucun.accounts.models'",
    ]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("import django.db.models", ["django.db.models"]),
        ("import django.utils.timezone as tz, json", ["django.utils.timezone", "json"]),
        ("from django.db import models", ["django.db", "django.db.models"]),
        ("from django import db, conf  # why", ["django", "django.db", "django.conf"]),
        ("from django.contrib.auth import (", ["django.contrib.auth"]),
    ],
)
def test_the_adapter_contract_reads_what_an_import_line_imports(
    line: str, names: list[str]
) -> None:
    assert imported_names(line) == names
