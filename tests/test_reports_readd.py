"""A domain removed and added again: its TLS-RPT report address, and the reports under it.

The owner published `_smtp._tls` naming the address's token; removing the domain keeps the
address (reports outlive their domain), and adding the same name again in the same team
must bring that address back, so the published record keeps working and its history stays.
An address is never handed to another team, and one without a domain is shown to nobody.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress
from tests.conftest import BaseTestCase

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()


class ReaddTests(BaseTestCase):
    def add(self, name: str) -> Domain:
        response = self.client.post("/domains/add/", {"name": name})
        assert response.status_code == 302, response.content[:500]
        return Domain.objects.get(team=self.client_team, name=name.lower().strip("."))

    def remove(self, domain: Domain) -> None:
        response = self.client.post(f"/domains/{domain.code}/remove/")
        assert response.status_code == 302
        assert not Domain.objects.filter(pk=domain.pk).exists()

    def post_report(self, token: str, body: bytes = SAMPLE) -> int:
        response = self.client.post(
            f"/tlsrpt/{token}", data=gzip.compress(body), content_type="application/tlsrpt+gzip"
        )
        return response.status_code

    def as_user(self, user, team: Team) -> None:  # type: ignore[no-untyped-def]
        self.client.force_login(user)
        self.client_team = team

    def test_the_same_team_adding_the_name_again_gets_its_address_and_reports_back(self) -> None:
        self.as_user(self.alice, self.team)
        first = self.add("example.com")
        token = ReportAddress.for_domain(first).token
        assert self.post_report(token) == 201
        self.remove(first)
        # Reports keep arriving at the published token meanwhile: stored, raw first.
        orphan = ReportAddress.objects.get(token=token)
        assert orphan.domain_id is None
        later = SAMPLE.replace(b"2026-06-01T00:00:00Z", b"2026-06-02T00:00:00Z")
        assert later != SAMPLE
        assert self.post_report(token, later) == 201
        assert RawReport.objects.filter(address=orphan).count() == 2

        again = self.add("Example.com")
        assert ReportAddress.for_domain(again).token == token
        assert ReportAddress.objects.filter(domain_name="example.com").count() == 1
        # The domain page offers the record already published, and its reports are the team's.
        Domain.objects.filter(pk=again.pk).update(verified_at=timezone.now())
        page = self.client.get(f"/domains/{again.code}/")
        assert token in page.content.decode()
        self.client.force_login(self.bob)
        dashboard = self.client.get(f"/tlsrpt/{token}/dashboard/")
        assert dashboard.status_code == 200

    def test_another_team_never_gets_the_address(self) -> None:
        self.as_user(self.alice, self.team)
        first = self.add("example.com")
        token = ReportAddress.for_domain(first).token
        assert self.post_report(token) == 201
        self.remove(first)

        self.as_user(self.charlie, self.charlies_team)
        theirs = self.add("example.com")
        assert ReportAddress.for_domain(theirs).token != token
        assert self.client.get(f"/tlsrpt/{token}/dashboard/").status_code == 404
        # Verified by charlie's team too: still not alice's address.
        Domain.objects.filter(pk=theirs.pk).update(verified_at=theirs.created)
        theirs.refresh_from_db()
        assert ReportAddress.for_domain(theirs).token != token
        assert ReportAddress.objects.get(token=token).domain_id is None

        # Alice's team adds it back later: hers again, charlie's address stays charlie's.
        self.as_user(self.alice, self.team)
        again = self.add("example.com")
        assert ReportAddress.for_domain(again).token == token
        assert ReportAddress.for_domain(theirs).token != token

    def test_an_address_without_a_domain_is_shown_to_nobody_but_stores_reports(self) -> None:
        self.as_user(self.alice, self.team)
        first = self.add("example.com")
        token = ReportAddress.for_domain(first).token
        assert self.post_report(token) == 201
        self.remove(first)
        raw = RawReport.objects.get(address__token=token)
        assert raw.process() == RawReport.PARSED
        raw.refresh_from_db()
        report = raw.report
        assert report is not None  # parsed even without a domain
        urls = [
            f"/tlsrpt/{token}/dashboard/",
            f"/tlsrpt/{token}/reports/{report.public_id}/",
            f"/tlsrpt/{token}/raw/{raw.public_id}.json",
            f"/tlsrpt/{token}/export.csv",
        ]
        for user in (self.alice, self.bob, self.charlie):
            self.client.force_login(user)
            for url in urls:
                assert self.client.get(url).status_code == 404, (user, url)
        # Another domain of the same team: no way to its old neighbour's reports either.
        self.client.force_login(self.alice)
        other = self.add("example.net")
        Domain.objects.filter(pk=other.pk).update(verified_at=timezone.now())
        page = self.client.get(f"/domains/{other.code}/").content.decode()
        assert ReportAddress.for_domain(other).token in page
        assert token not in page

    def test_a_deleted_team_leaves_an_address_nobody_can_claim(self) -> None:
        self.as_user(self.alice, self.team)
        first = self.add("example.com")
        token = ReportAddress.for_domain(first).token
        self.team.delete()
        address = ReportAddress.objects.get(token=token)
        assert address.domain_id is None
        assert self.post_report(token) == 201
        self.as_user(self.charlie, self.charlies_team)
        theirs = self.add("example.com")
        assert ReportAddress.for_domain(theirs).token != token


class MigrationTests(BaseTestCase):
    def test_addresses_of_monitored_domains_take_their_team(self) -> None:
        """0009: a linked address gets its domain's team; one whose domain was removed before
        the column existed stays without a team, so no team can claim it."""
        import importlib

        from django.apps import apps

        migration = importlib.import_module("reports.migrations.0009_reportaddress_team")
        domain = Domain.objects.create(team=self.team, name="example.com")
        linked = ReportAddress.for_domain(domain)
        orphan = ReportAddress.objects.create(domain_name="example.org")
        ReportAddress.objects.update(team=None)  # as stored before the column
        migration.team_from_domain(apps, None)
        linked.refresh_from_db()
        orphan.refresh_from_db()
        assert linked.team_id == self.team.pk
        assert orphan.team_id is None
        readded = Domain.objects.create(team=self.team, name="example.org")
        assert ReportAddress.for_domain(readded).pk != orphan.pk

    def test_an_address_linked_by_hand_belongs_to_its_domains_team(self) -> None:
        # An operator attaching an address by hand (manage.py shell) may set only `domain`: once removed
        # again, that domain's team is the one that may get it back.
        domain = Domain.objects.create(team=self.team, name="example.com")
        ReportAddress.objects.filter(domain=domain).delete()
        by_hand = ReportAddress.objects.create(domain_name="example.com", domain=domain)
        assert ReportAddress.for_domain(domain).team_id == self.team.pk
        domain.delete()
        readded = Domain.objects.create(team=self.team, name="example.com")
        assert ReportAddress.for_domain(readded).pk == by_hand.pk


class OwnerOfAddressesTests(BaseTestCase):
    def test_an_address_linked_by_hand_stays_its_domains_teams_after_removal(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.com")
        address = ReportAddress.objects.get(domain=domain)
        ReportAddress.objects.filter(pk=address.pk).update(team=None)  # as linked by hand
        domain.delete()
        address.refresh_from_db()
        assert address.domain is None and address.team_id == self.team.pk
        again = Domain.objects.create(team=self.team, name="example.com")
        assert ReportAddress.for_domain(again).pk == address.pk

    def test_the_admin_cannot_move_a_domain_to_another_team(self) -> None:
        from django.contrib.admin.sites import site

        domain = Domain.objects.create(team=self.team, name="example.com")
        model_admin = site._registry[Domain]
        assert {"team", "name"} <= set(model_admin.get_readonly_fields(None, domain))  # type: ignore[arg-type]
        assert "team" not in model_admin.get_readonly_fields(None, None)  # type: ignore[arg-type]
