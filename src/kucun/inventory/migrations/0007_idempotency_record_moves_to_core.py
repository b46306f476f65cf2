# The idempotency record now belongs to core (core 0006 took over its table and rows).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0006_idempotency_keys_per_user"),
        ("core", "0006_idempotency_record_from_inventory"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
