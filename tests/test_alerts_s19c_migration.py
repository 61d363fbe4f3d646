"""alerts 0011 reverses after team addresses were emailed (s19c 2): `migrate alerts 0010`
deletes their notifications (user NULL, which the restored NOT NULL column cannot hold) and
keeps the people's."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from mailsec.accounts.models import Team
from mailsec.alerts.models import Notification, TeamAlertAddress

BEFORE = ("alerts", "0010_forget_ended_memberships")


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


class Reverse0011Test(TransactionTestCase):
    def test_it_reverses_after_a_team_address_was_emailed(self) -> None:
        alice = User.objects.create_user("alice", "alice@example.org")
        team = Team.create_for(alice)
        address = TeamAlertAddress.objects.create(team=team, email="tickets@msp.example")
        Notification.objects.create(
            team_address=address, kind="alert", to_address="tickets@msp.example"
        )
        person = Notification.objects.create(user=alice, kind="alert", to_address=alice.email)
        try:
            MigrationExecutor(connection).migrate([BEFORE])
            old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
            kept = old.get_model("alerts", "Notification").objects.values_list("pk", flat=True)
            # The person's email is kept; the team address's went with its table.
            self.assertEqual(list(kept), [person.pk])
        finally:
            migrate_to_latest()
        self.assertEqual(list(Notification.objects.values_list("pk", flat=True)), [person.pk])
