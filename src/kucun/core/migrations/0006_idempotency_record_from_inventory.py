# The idempotency record moves from inventory to core with its rows: the table is taken over
# as it is (state only) and then renamed. Inventory's 0007 drops the model from its state.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_import_and_export_kinds_are_registered"),
        ("inventory", "0006_idempotency_keys_per_user"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "scope",
                            models.CharField(
                                default="internal", max_length=32, verbose_name="scope"
                            ),
                        ),
                        ("key", models.CharField(max_length=200, verbose_name="key")),
                        ("operation", models.CharField(max_length=64, verbose_name="operation")),
                        (
                            "fingerprint",
                            models.CharField(max_length=64, verbose_name="fingerprint"),
                        ),
                        (
                            "result_type",
                            models.CharField(blank=True, max_length=64, verbose_name="result type"),
                        ),
                        (
                            "result_id",
                            models.BigIntegerField(blank=True, null=True, verbose_name="result id"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "db_table": "inventory_idempotencyrecord",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("scope", "key"), name="idempotency_key_unique_per_scope"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="idempotencyrecord", table=None),
    ]
