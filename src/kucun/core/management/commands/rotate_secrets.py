"""`kucun rotate_secrets`: re-encrypt every stored credential with the current KUCUN_SECRET_KEY.

Rotate the key in three steps: put the old key in KUCUN_SECRET_KEY_FALLBACKS and the new one in
KUCUN_SECRET_KEY, run this command, then remove the fallback.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kucun.core.errors import DomainError
from kucun.core.secrets import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every stored credential with the current secret key."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = rotate_all()
        except DomainError as error:
            raise CommandError(error.detail) from error
        for label, count in rotated.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Every stored secret now uses the current key."))
