"""factory_boy factories for every model tests need; apps add theirs here."""

from __future__ import annotations

import factory

from kucun.accounts.choices import Role
from kucun.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.STAFF
    password = factory.django.Password("correct-horse-battery")
