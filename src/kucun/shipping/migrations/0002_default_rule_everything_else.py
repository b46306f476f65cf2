"""The default rule is named for what it catches ("Everything else"), not for the action it
starts with: the merchant changes its action, and a rule that ships with a carrier while
called "Hold for a person to decide" misleads."""

from django.db import migrations

OLD = "Hold for a person to decide"
NEW = "Everything else"


def rename(apps, schema_editor):  # type: ignore[no-untyped-def]
    rule = apps.get_model("shipping", "ShippingRule")
    rule.objects.filter(is_default=True, name=OLD).update(name=NEW)


def rename_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    rule = apps.get_model("shipping", "ShippingRule")
    rule.objects.filter(is_default=True, name=NEW).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [("shipping", "0001_initial")]
    operations = [migrations.RunPython(rename, rename_back)]
