from django.db import migrations


class Migration(migrations.Migration):
    """mx_unusable_told_to lives on as told_to["mx-unusable"] (0017 copied it)."""

    dependencies = [
        ("hosting", "0017_told_to"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="hostedpolicy",
            name="mx_unusable_told_to",
        ),
    ]
