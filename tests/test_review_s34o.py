"""Review leftovers of task s34o, each written failing before its change.

1. The TLS reports card's "published" read our https URL as a substring of the record, so
   '<site>/tlsrpt/<token>x', '<elsewhere>/?u=<site>/tlsrpt/<token>' or the URL in an extension
   field counted as ours. It now reads the rua list's https: URIs with the engine's parser and
   compares them whole (ReportAddress.url_in_rua), as in_rua does for the mailbox.
2. checks.lookalike.looks_like_domain takes A- or U-labels: 'exämple.com' and its own A-label
   form 'xn--exmple-cua.com' are one name, no lookalike of each other.
3. The "add several domains" box gives a typed NUL byte back as U+FFFD, as the single add box
   does since s34g, never raw."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from checks.lookalike import looks_like_domain
from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase

INBOUND = "in.mailsec.example"
SITE = "https://mailsec.example"


def _published(address: ReportAddress, record: str) -> bool:
    from reports.templatetags.reports_tags import record_context

    evidence = {
        "query": f"_smtp._tls.{address.domain_name} TXT",
        "rcode": "NOERROR",
        "answers": [f'"{record}"'],
    }
    run = SimpleNamespace(findings=[{"id": "TLSRPT-01", "evidence": evidence}])
    return bool(record_context(address, run)["published"])


@override_settings(TLSRPT_INBOUND_DOMAIN=INBOUND, SITE_ROOT=SITE)
class PublishedCardTestCase(BaseTestCase):
    def setUp(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        self.address = ReportAddress.for_domain(domain)
        self.token = self.address.token
        self.mailto = f"mailto:tlsrpt+{self.token}@{INBOUND}"

    def test_our_url_as_suggested_is_published(self) -> None:
        assert _published(self.address, self.address.rua_record())
        assert _published(self.address, f"v=TLSRPTv1; rua={self.mailto},{SITE}/tlsrpt/{self.token}")

    def test_a_url_that_only_holds_ours_is_not_ours(self) -> None:
        ours = f"{SITE}/tlsrpt/{self.token}"
        for other in (
            f"{ours}x",
            f"{ours}/x",
            f"https://reports.example/?u={ours}",
            f"https://mailsec.example.evil.example/tlsrpt/{self.token}",
            f"https://mailsec.example:8443/tlsrpt/{self.token}",
            f"http://mailsec.example/tlsrpt/{self.token}",
            f"{SITE}/TLSRPT/{self.token}",  # the site's paths are case-sensitive
            f"{ours}?from=dns",  # no query or fragment: the URI as we gave it
            f"{ours}#x",
            f"https://user@mailsec.example/tlsrpt/{self.token}",
        ):
            record = f"v=TLSRPTv1; rua={self.mailto},{other}"
            assert not _published(self.address, record), other
        # The URL outside the rua list (an extension field) is no report address.
        record = f"v=TLSRPTv1; rua={self.mailto}; x-note={ours}"
        assert not _published(self.address, record)

    def test_our_url_written_as_senders_and_our_intake_read_it_is_published(self) -> None:
        # Host in any case and with its final dot, the default port written, a final '/'
        # (reports.urls takes it), the token in any case (find_address folds it), the path
        # percent-encoded (RFC 3986 §2.3).
        token = self.token
        for ours in (
            f"HTTPS://MAILSEC.EXAMPLE/tlsrpt/{token}",
            f"https://mailsec.example./tlsrpt/{token}",
            f"https://mailsec.example:443/tlsrpt/{token}",
            f"{SITE}/tlsrpt/{token}/",
            f"{SITE}/tlsrpt/{token.upper()}",
            f"{SITE}/%74lsrpt/{token}",
        ):
            record = f"v=TLSRPTv1; rua={self.mailto},{ours}"
            assert _published(self.address, record), ours

    def test_the_mailbox_alone_is_not_published_when_we_offer_a_url(self) -> None:
        assert not _published(self.address, f"v=TLSRPTv1; rua={self.mailto}")

    @override_settings(SITE_ROOT="http://127.0.0.1:8000")
    def test_a_plain_http_site_asks_for_the_mailbox_alone(self) -> None:
        # Development: rua_record offers no http: URL (RFC 8460 §3 allows https: only), so
        # the record it suggests is published once it is there.
        record = self.address.rua_record()
        assert "http" not in record, record
        assert _published(self.address, record)


@pytest.mark.parametrize(
    ("other", "domain"),
    [
        ("exämple.com", "xn--exmple-cua.com"),
        ("xn--exmple-cua.com", "exämple.com"),
        ("mail.exämple.com", "xn--exmple-cua.com"),
        ("mail.xn--exmple-cua.com", "EXÄMPLE.COM."),
    ],
)
def test_a_name_in_u_labels_is_its_own_a_label_form(other: str, domain: str) -> None:
    assert not looks_like_domain(other, domain)


def test_lookalikes_are_still_found_across_forms() -> None:
    assert looks_like_domain("exämple.com", "example.com")
    assert looks_like_domain("xn--exmple-cua.com", "example.com")
    assert looks_like_domain("exаmple.com", "example.com")  # Cyrillic а
    # The owner's name in U-labels, a lookalike in A-labels: an ä-less Cyrillic а.
    assert looks_like_domain("xn--exmple-4nf.com", "exämple.com")


@pytest.mark.django_db
def test_the_bulk_add_box_gives_no_nul_byte_back(client: Any) -> None:
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Profile, Team

    user = User.objects.create_user("s34o", "s34o@example.org")
    Profile.objects.create(user=user, current_team=Team.create_for(user))
    client.force_login(user)
    r = client.post("/domains/add-many/", {"names": "example.com\nexa\x00mple.org"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "Null characters are not allowed" in page
    assert "\x00" not in page
    assert ">example.com\nexa\ufffdmple.org</textarea>" in page
