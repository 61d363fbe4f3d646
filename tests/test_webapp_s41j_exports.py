"""Blind round s41j: the team-wide downloads are named after the team. docs/webapp.md has an
MSP make one team per client; each client's export was "mailsec-domains-<day>.csv" (and the
records "mailsec-records-<day>.csv"), so a morning's exports of three clients landed as
"mailsec-domains-2026-12-04 (2).csv" and the like, told apart only by opening them. The file
name now carries the team's name, as the TLS reports' export carries its domain's."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase


def filename(response: object) -> str:
    found = re.search(r'filename="([^"]+)"', response["Content-Disposition"])  # type: ignore[index]
    assert found, response["Content-Disposition"]  # type: ignore[index]
    return found.group(1)


class ExportNamesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.day = timezone.now().date().isoformat()

    def switch(self, team: Team) -> None:
        self.client.post(f"/team/{team.code}/switch/")

    def test_each_clients_export_says_whose_it_is(self) -> None:
        a = Team.objects.create(name="Client A GmbH")
        b = Team.objects.create(name="Bäckerei Müller & Söhne")
        for team, name in ((a, "a-s41j.com"), (b, "b-s41j.com")):
            Membership.objects.create(team=team, user=self.alice, role=Membership.Role.OWNER)
            Domain.objects.create(team=team, name=name)
        self.switch(a)
        self.assertEqual(
            filename(self.client.get("/domains/export.csv")),
            f"mailsec-domains-client-a-gmbh-{self.day}.csv",
        )
        self.assertEqual(
            filename(self.client.get("/domains/records.csv")),
            f"mailsec-records-client-a-gmbh-{self.day}.csv",
        )
        self.switch(b)
        self.assertEqual(
            filename(self.client.get("/domains/export.csv")),
            f"mailsec-domains-backerei-muller-sohne-{self.day}.csv",
        )

    def test_a_name_with_no_letter_a_file_name_can_hold_keeps_the_plain_name(self) -> None:
        Team.objects.filter(pk=self.team.pk).update(name="株式会社")
        self.assertEqual(
            filename(self.client.get("/domains/export.csv")), f"mailsec-domains-{self.day}.csv"
        )

    def test_an_outsider_gets_their_own_teams_name(self) -> None:
        charlie = Client()
        charlie.force_login(self.charlie)
        name = filename(charlie.get("/domains/export.csv"))
        self.assertNotIn("alice", name)
        self.assertIn("charlie", name)
