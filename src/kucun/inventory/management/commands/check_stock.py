"""``kucun check_stock``: recompute every balance from the ledger now and record the result.

Exit status 0 when every balance matches, 1 when any disagrees (each printed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kucun.inventory.services.checks import stock_check_run


class Command(BaseCommand):
    help = "Recompute stock balances from the ledger and report every disagreement."

    def handle(self, *args: Any, **options: Any) -> None:
        check = stock_check_run()
        if check.is_clean:
            self.stdout.write(f"Every balance matches the ledger (checked in {check.seconds} s).")
            return
        for drift in check.drifts:
            self.stdout.write(
                f"{drift['what']} of {drift['sku']} at {drift['place']}: "
                f"stored {drift['stored']}, the ledger says {drift['expected']}"
            )
        if check.drift_count > len(check.drifts):
            self.stdout.write(f"… and {check.drift_count - len(check.drifts)} more")
        raise CommandError(f"{check.drift_count} balances disagree with the ledger.")
