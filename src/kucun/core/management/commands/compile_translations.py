from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every app's .po translation catalogue to .mo (no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        package_dir = Path(settings.PACKAGE_DIR)
        compiled = 0
        for po_path in sorted(package_dir.glob("*/locale/*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"compiled {compiled} translation catalogue(s)")
