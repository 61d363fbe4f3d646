from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0009_policy_mx_alias_dangling"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_null_beside",
            field=models.BooleanField(default=False),
        ),
    ]
