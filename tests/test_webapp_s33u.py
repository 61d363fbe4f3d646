"""Task s33u: three webapp/report follow-ups.

1. ReportAddress._is_ours read a mailto: address by splitting it on its last '@', so a URI
   with an unquoted '@' in its local part whose local part starts with 'tlsrpt+' counted as
   our own address: 'mailto:tlsrpt+x@example.commailto:tlsrpt+<token>@<inbound>' (two
   addresses fused, the first a tlsrpt+ mailbox of the owner's) or 'mailto:tlsrpt+a@b@<inbound>',
   where the engine reads no address at all (checks.tlsrpt, since 7960b968). It now reads the
   address with the engine's parser. ('mailto:a@x.orgmailto:tlsrpt+…', whose local part
   starts 'a@', was never taken for ours.)
"""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting.views import RecordRow
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase, fake_dns

INBOUND = "in.mailsec.example"


@override_settings(TLSRPT_INBOUND_DOMAIN=INBOUND)
def test_a_fused_mailto_holding_our_address_is_not_ours() -> None:
    assert not ReportAddress._is_ours(f"mailto:a@x.orgmailto:tlsrpt+0123abcd@{INBOUND}")
    fused = f"mailto:tlsrpt+x@example.commailto:tlsrpt+0123abcd@{INBOUND}"
    assert not ReportAddress._is_ours(fused)
    assert not ReportAddress._is_ours(f"mailto:tlsrpt+a@b@{INBOUND}")
    # A quoted '@' is the local part's own: the address is not ours either.
    assert not ReportAddress._is_ours(f"mailto:%22tlsrpt+a@b%22@{INBOUND}")


@override_settings(TLSRPT_INBOUND_DOMAIN=INBOUND)
def test_our_mailto_addresses_are_still_ours() -> None:
    assert ReportAddress._is_ours(f"mailto:tlsrpt+0123abcd@{INBOUND}")
    assert ReportAddress._is_ours(f"MAILTO:TLSRPT+0123abcd@{INBOUND.upper()}")
    assert ReportAddress._is_ours(f"mailto:tlsrpt+0123abcd@{INBOUND}?subject=x")
    assert not ReportAddress._is_ours(f"mailto:tls@{INBOUND}")
    assert not ReportAddress._is_ours("mailto:tlsrpt+0123abcd@example.com")


@override_settings(TLSRPT_INBOUND_DOMAIN=INBOUND)
class RecordToPublishTestCase(BaseTestCase):
    def test_the_record_to_publish_still_drops_another_of_our_addresses(self) -> None:
        # A record's addresses reach _is_ours as the engine's fix repairs them (usable_rua):
        # the final dot taken off, two fused addresses split at their 'mailto:'.
        domain = Domain.objects.create(team=self.team, name="example.org")
        address = ReportAddress.for_domain(domain)
        ours = f"mailto:tlsrpt+{address.token}@{INBOUND}"
        for published, kept in (
            (f"v=TLSRPTv1; rua=mailto:tlsrpt+old@{INBOUND}.", ""),
            (
                f"v=TLSRPTv1; rua=mailto:tls@example.orgmailto:tlsrpt+old@{INBOUND}",
                "mailto:tls@example.org,",
            ),
        ):
            assert address.rua_record(published).startswith(f"v=TLSRPTv1; rua={kept}{ours}")


# 2. The hosting page's _smtp._tls row: with no record there (live) but one at the apex, which
#    TLSRPT-01's evidence keeps ('misplaced', 8cbb96cf), the value to publish keeps that
#    record's addresses, as the domain page's does, and says to delete it.
MISPLACED = "v=TLSRPTv1; rua=mailto:tls@owner.example"


class HostingMisplacedTlsRptTestCase(HostingCase):
    def setUp(self) -> None:
        from mailsec.domains.models import CheckRun

        finding = {
            "id": "TLSRPT-01",
            "status": "info",
            "mechanism": "tls-rpt",
            "summary": "No TLS-RPT record: a TLS-RPT record is published at example.org",
            "subject": "_smtp._tls.example.org",
            "evidence": {
                "query": "_smtp._tls.example.org TXT",
                "rcode": "NXDOMAIN",
                "answers": [],
                "misplaced": [{"name": "example.org", "record": MISPLACED}],
            },
        }
        run = CheckRun.objects.create(
            domain=self.domain, status="done", finished=timezone.now(), findings=[finding]
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        self.host()
        self.client.force_login(self.alice)

    def row(self, found: list[str] | None) -> RecordRow:
        with fake_dns(tlsrpt=found, tlsrpt_failed=found is None):
            r = self.client.get(reverse("hosting:records", args=[self.domain.code]))
        [row] = [row for row in r.context["records"] if row.name.startswith("_smtp._tls.")]
        return row

    def test_no_record_at_smtp_tls_keeps_the_misplaced_records_addresses(self) -> None:
        address = ReportAddress.for_domain(self.domain)
        row = self.row([])
        assert row.state == "missing"
        assert row.value == address.rua_record(MISPLACED)
        assert row.value.startswith("v=TLSRPTv1; rua=mailto:tls@owner.example,mailto:tlsrpt+")
        assert "delete the TLS-RPT record at example.org" in row.detail

    def test_a_failed_lookup_keeps_them_too(self) -> None:
        row = self.row(None)
        assert row.state == "error"
        assert row.value.startswith("v=TLSRPTv1; rua=mailto:tls@owner.example,mailto:tlsrpt+")

    def test_a_record_at_smtp_tls_is_the_one_kept(self) -> None:
        # Live, the owner has published at _smtp._tls since: that record's addresses, and
        # no step about the apex (the latest check is older than the lookup).
        row = self.row(["v=TLSRPTv1; rua=mailto:new@owner.example"])
        assert row.value.startswith("v=TLSRPTv1; rua=mailto:new@owner.example,mailto:tlsrpt+")
        assert "tls@owner.example" not in row.value
        assert "delete" not in row.detail


# 3. Records to publish: two fixes offering different DMARC records for one name, each with
#    the one-record note a634496d adds after the record, were listed as 'its fix has steps
#    besides the record' (the note is words after it), not as rivals.
def test_rival_records_are_named_as_rivals_though_their_fixes_carry_notes() -> None:
    from mailsec.domains.fixparts import records_to_publish

    note = (
        "One DMARC record at _dmarc.example.org: the fix of {} offers another, for another "
        "finding. Publish one record there, never both."
    )
    quarantine = '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; rua=mailto:d@example.org"'
    none = '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:d@example.org"'
    fixes = [f"{quarantine}\n{note.format('DMARC-08')}", f"{none}\n{note.format('DMARC-06')}"]
    found = records_to_publish(fixes, "example.org")
    assert found.lines == []
    assert found.left_out == [
        ("_dmarc.example.org (TXT)", "the fixes suggest different records for it")
    ]


def test_a_fix_with_steps_is_still_said_so_without_a_rival() -> None:
    from mailsec.domains.fixparts import records_to_publish

    fix = '_dmarc.example.org. TXT "v=DMARC1; p=none"\nThen wait for the first reports.'
    found = records_to_publish([fix, fix], "example.org")
    assert found.left_out == [("_dmarc.example.org (TXT)", "its fix has steps besides the record")]
