"""s24i: an internationalised domain's subjects, and the CLI's header, as people read them."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from checks.cli import render_text
from checks.findings import DomainReport, Finding, Mechanism, Status, both_ways
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
IDN = "xn--mller-bckerei-hfb76a.de"
MX = f"mx1.{IDN}"


def _finding() -> Finding:
    return Finding(
        id="STARTTLS-01",
        status=Status.PASS,
        mechanism=Mechanism.SMTP,
        summary="mx1.müller-bäckerei.de offers STARTTLS.",
        subject=MX,
    )


def test_both_ways_names_an_idn_as_read_and_as_held() -> None:
    assert both_ways(IDN) == f"müller-bäckerei.de ({IDN})"
    assert both_ways(f"_25._tcp.{MX}") == f"_25._tcp.mx1.müller-bäckerei.de (_25._tcp.{MX})"
    assert both_ways("mx.example.com") == "mx.example.com"
    assert both_ways("192.0.2.1") == "192.0.2.1"
    assert both_ways("xn--zz.example") == "xn--zz.example"  # does not decode


def test_the_cli_header_names_the_domain_both_ways() -> None:
    report = DomainReport(domain=IDN, score=90, score_version=7, findings=[_finding()])
    out = io.StringIO()
    render_text(report, out, colour=False)
    assert out.getvalue().splitlines()[0].startswith(f"müller-bäckerei.de ({IDN})  ")
    out = io.StringIO()
    render_text(DomainReport(domain="example.com", score=90, score_version=7), out, colour=False)
    assert out.getvalue().startswith("example.com  ")


def test_the_free_check_shows_a_subject_both_ways() -> None:
    html = render_to_string("freecheck/_finding.html", {"f": _finding()})
    assert f"mx1.müller-bäckerei.de ({MX})" in html


@override_settings(CACHES=LOCMEM)
class DomainPageSubjectTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        when = timezone.now() - timedelta(hours=1)
        self.domain = Domain.objects.create(
            team=self.team, name=IDN, verified_at=when - timedelta(days=1)
        )
        run = CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            created=when,
            finished=when,
            score=90,
            score_version=7,
            mechanisms={"smtp": "pass"},
            findings=[_finding().to_dict()],
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)

    def test_a_findings_subject_names_the_idn_both_ways(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(f"/domains/{self.domain.code}/")
        self.assertContains(r, f"STARTTLS-01 · mx1.müller-bäckerei.de ({MX})")
