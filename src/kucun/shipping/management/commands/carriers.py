"""``kucun carriers``: the carrier accounts, one line each; ``--test NAME`` calls one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.core.errors import DomainError
from kucun.core.management.columns import column_lines
from kucun.shipping import selectors_accounts as selectors
from kucun.shipping.services.accounts import carrier_account_test


class Command(BaseCommand):
    help = (
        "List the carrier accounts: id, name, carrier, environment, sender, default service, "
        "last test. --test ACCOUNT calls the carrier and prints what it answered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--test", metavar="ACCOUNT", help="account name or id to test")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("test"):
            self.test(options["test"])
            return
        rows = [("ID", "NAME", "CARRIER", "ENV", "SENDER", "SERVICE", "LAST TEST")]
        for account in selectors.carrier_accounts_query():
            tested = account.last_tested_at
            rows.append(
                (
                    str(account.pk),
                    account.name,
                    account.carrier + (" (sandbox)" if account.sandbox else ""),
                    account.environment,
                    account.sender_warehouse.code,
                    account.default_service or "-",
                    f"{'ok' if account.last_test_ok else 'failed'} {tested:%Y-%m-%d %H:%M}"
                    if tested
                    else "never",
                )
            )
        if len(rows) == 1:
            self.stdout.write("No carrier account yet.")
            return
        for line in column_lines(rows):
            self.stdout.write(line)

    def test(self, name_or_id: str) -> None:
        try:
            account = selectors.carrier_account_by_name_or_id(name_or_id)
            info = carrier_account_test(account=account)
        except DomainError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"Connected: {info.account_name}")
        for service in info.services:
            self.stdout.write(f"  {service.code}  {service.name}")
