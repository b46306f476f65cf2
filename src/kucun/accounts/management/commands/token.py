from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.accounts import selectors, services
from kucun.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it (only the token, on stdout). "
        "It is not stored and cannot be shown again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = selectors.user_by_username(options["username"])
            if not user.is_active:
                raise CommandError(
                    f"User {user.username} is inactive: activate them before creating a token."
                )
            _token, plain = services.api_token_create(user=None, owner=user, name=options["name"])
        except DomainError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(plain)
