from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0008_policy_mx_earlier"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_flap_answers",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
