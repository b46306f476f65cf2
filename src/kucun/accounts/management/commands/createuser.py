from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.accounts import services
from kucun.accounts.choices import Role
from kucun.core.errors import DomainError

PASSWORD_ENV = "KUCUN_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = (
        "Create a user with a role. The password comes from --password, else from "
        f"{PASSWORD_ENV}, else it is asked for twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="owner, staff or viewer")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def read_password(self, options: dict[str, Any]) -> str:
        if options["password"] is not None:
            return str(options["password"])
        from_env = os.environ.get(PASSWORD_ENV)
        if from_env:
            return from_env
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password given: pass --password, set {PASSWORD_ENV}, or run in a terminal."
            )
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password (again): ")
        if first != second:
            raise CommandError("The two passwords differ; nothing was created.")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}: choose one of {', '.join(Role.values)}.")
        password = self.read_password(options)
        try:
            user = services.user_create(
                user=None,
                username=options["username"],
                role=role,
                email=options["email"],
                password=password,
            )
        except DomainError as error:
            messages = [f"{e.field}: {e.message}" for e in error.errors] or [error.detail]
            raise CommandError("; ".join(messages)) from None
        self.stdout.write(f"Created user {user.username} with the {user.role} role.")
