from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0009_policy_mx_flap_answers"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_failed_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
