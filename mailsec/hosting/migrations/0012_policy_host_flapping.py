from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0011_policy_host_state_zone_failing_told"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="policy_host_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="policy_host_back_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="policy_host_unstable_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
