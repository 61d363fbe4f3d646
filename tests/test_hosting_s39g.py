"""A policy request whose Host header starts with `mta-sts.` but names no domain (found by
blind round s39g, host_headers_no_name_can_hold_get_404): the name went to the database as it
came, and PostgreSQL refuses text holding a NUL byte, so `Host: mta-sts.example.org\\x00`
answered 500 (Django's error path) on the policy server, which answers only its policy or a
plain 404. Caddy's `ask` gate had the same fault and was fixed for it (s36h); the policy URL
now refuses such a name before the database is asked, as the gate does."""

from __future__ import annotations

from mailsec.hosting import service
from tests import test_hosting_s12_blind as s12
from tests.test_hosting import POLICY_URL, T0, HostingCase

NO_NAME = [
    "mta-sts.example.org\x00",
    "mta-sts.exa\x00mple.org",
    "mta-sts.\x00",
    "mta-sts.exa mple.org",
    "mta-sts." + "a" * 64 + ".org",
    "mta-sts." + "a" * 250 + ".org",
]


class HostNoNameCanHold(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        with s12.wire_mx({"mx": ["mx1.example.org."]}):
            self.policy, _ = service.enable_told(self.domain, now=T0)

    def test_each_gets_a_plain_404(self) -> None:
        for host in NO_NAME:
            for method in ("GET", "HEAD"):
                with self.subTest(host=host[:40], method=method):
                    r = self.client.generic(method, POLICY_URL, HTTP_HOST=host, secure=True)
                    assert r.status_code == 404, (host, r.status_code)
                    assert r.get("Content-Type") == "text/plain"
                    assert b"STSv1" not in r.content and not r.cookies

    def test_the_hosted_name_is_still_served(self) -> None:
        for host in ("mta-sts.example.org", "MTA-STS.Example.Org.", "mta-sts.example.org:443"):
            r = self.client.get(POLICY_URL, HTTP_HOST=host, secure=True)
            assert r.status_code == 200, host
            assert r.content == self.policy.text.encode()
