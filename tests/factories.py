"""factory_boy factories for every model tests need; apps add theirs here."""

from __future__ import annotations

import factory

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse, Zone


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.STAFF
    password = factory.django.Password("correct-horse-battery")


class WarehouseFactory(factory.django.DjangoModelFactory):
    """Made through warehouse_create, so each has its RECEIVING zone and default bin."""

    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.LazyAttribute(lambda w: f"Warehouse {w.code}")

    @classmethod
    def _create(cls, model_class: type[Warehouse], *args: object, **kwargs: object) -> Warehouse:
        from kucun.warehouses.services import warehouse_create

        return warehouse_create(user=None, **kwargs)  # type: ignore[arg-type]


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"Z{n}")
    name = factory.LazyAttribute(lambda z: f"Zone {z.code}")
    kind = ZoneKind.PICKING


class BinFactory(factory.django.DjangoModelFactory):
    """A bin: an internal Location in a zone; codes are stored upper-case."""

    class Meta:
        model = Location

    kind = LocationKind.INTERNAL
    zone = factory.SubFactory(ZoneFactory)
    warehouse = factory.LazyAttribute(lambda b: b.zone.warehouse)
    code = factory.Sequence(lambda n: f"B-{n:03d}")
    sellable = True
    active = True


class ItemFactory(factory.django.DjangoModelFactory):
    """A plain item; pass is_bundle=True for an empty bundle."""

    class Meta:
        model = "catalog.Item"

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda i: f"Item {i.sku}")
    unit = "each"
    is_bundle = False
    active = True


class BundleComponentFactory(factory.django.DjangoModelFactory):
    """One component row: `quantity` of `component` in one `bundle`."""

    class Meta:
        model = "catalog.BundleComponent"

    bundle = factory.SubFactory(ItemFactory, is_bundle=True)
    component = factory.SubFactory(ItemFactory)
    quantity = 1
