"""alerts 0010: alert choices kept by people who left a team before memberships took them
along (alerts.models._membership_ended) are deleted; members' choices stay."""

from __future__ import annotations

from importlib import import_module

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mailsec.alerts.models import AlertDefault, AlertSetting
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

MIGRATION = ("alerts", "0010_forget_ended_memberships")
migration = import_module(f"mailsec.alerts.migrations.{MIGRATION[1]}")
Mode = AlertSetting.Mode


class ForgetEndedMembershipsTestCase(BaseTestCase):
    def test_only_choices_without_a_membership_go(self) -> None:
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        charlies = Domain.objects.create(team=self.charlies_team, name="c.test")
        # As rows left by charlie's membership of alice's team that ended before this release
        # (written directly: a membership's end deletes them now).
        AlertSetting.objects.create(user=self.charlie, domain=domain, mode=Mode.OFF)
        AlertDefault.objects.create(user=self.charlie, team=self.team, mode=Mode.OFF)
        kept = [
            AlertSetting.objects.create(user=self.bob, domain=domain, mode=Mode.DIGEST),
            AlertSetting.objects.create(user=self.charlie, domain=charlies, mode=Mode.DIGEST),
        ]
        kept_default = AlertDefault.objects.create(user=self.bob, team=self.team, mode=Mode.OFF)
        apps = MigrationExecutor(connection).loader.project_state(MIGRATION).apps
        migration.forget_ended_memberships(apps, None)
        self.assertEqual(list(AlertSetting.objects.order_by("pk")), kept)
        self.assertEqual(list(AlertDefault.objects.all()), [kept_default])
        self.assertEqual(AlertSetting.mode_for(self.bob, domain), Mode.DIGEST)
