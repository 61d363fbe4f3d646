from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0007_policy_mx_answers"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_failing_told",
            field=models.BooleanField(default=False),
        ),
    ]
