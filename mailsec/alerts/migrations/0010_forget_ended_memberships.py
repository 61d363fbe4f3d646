"""Alert choices of people no longer in the team: since this release a membership that ends
takes them with it (alerts.models._membership_ended); those kept before are deleted here, so
that rejoining starts from "email me at once" for everyone. Emails never reached former
members (every sender reads members only), so nobody gets a different email."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def forget_ended_memberships(apps, schema_editor):  # type: ignore[no-untyped-def]
    Membership = apps.get_model("accounts", "Membership")
    AlertSetting = apps.get_model("alerts", "AlertSetting")
    AlertDefault = apps.get_model("alerts", "AlertDefault")
    AlertSetting.objects.exclude(
        Exists(Membership.objects.filter(user=OuterRef("user"), team=OuterRef("domain__team")))
    ).delete()
    AlertDefault.objects.exclude(
        Exists(Membership.objects.filter(user=OuterRef("user"), team=OuterRef("team")))
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("alerts", "0009_alertdefault")]

    operations = [migrations.RunPython(forget_ended_memberships, migrations.RunPython.noop)]
