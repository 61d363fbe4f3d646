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

from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase

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
