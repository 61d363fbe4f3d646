from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0008_policy_mx_failing_told"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_alias_dangling",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
