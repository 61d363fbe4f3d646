"""The policy is served at the names Caddy's `ask` gate lets have a certificate, and at no other
(task s39i, item 3). One trailing dot is a name's absolute form (RFC 1034 §3.1, and Django's own
Host reading drops it); a second is an empty label, no DNS name and no uri-host naming one
(RFC 9110 §7.2): the gate refused 'mta-sts.example.org..' (s36h) while the policy server, which
stripped every trailing dot of the Host, answered it with the policy."""

from __future__ import annotations

from tests.test_hosting import POLICY_URL, HostingCase, fake_dns

# Host header -> the name Caddy would ask about (the same, without the port)
HOSTS = {
    "mta-sts.example.org": "mta-sts.example.org",
    "mta-sts.example.org.": "mta-sts.example.org.",
    "MTA-STS.Example.ORG.": "MTA-STS.Example.ORG.",
    "mta-sts.example.org.:443": "mta-sts.example.org.",
    "mta-sts.example.org..": "mta-sts.example.org..",
    "mta-sts.example.org...": "mta-sts.example.org...",
    "mta-sts.example.org..:443": "mta-sts.example.org..",
    "mta-sts..example.org": "mta-sts..example.org",
    ".mta-sts.example.org": ".mta-sts.example.org",
}


class HostDotsAgreeWithAsk(HostingCase):
    def test_the_policy_is_served_exactly_where_ask_allows_a_certificate(self) -> None:
        self.host()
        with fake_dns(points=True):
            for host, name in HOSTS.items():
                with self.subTest(host=host):
                    asked = self.client.get("/hosting/ask", {"domain": name}).status_code
                    served = self.client.get(POLICY_URL, HTTP_HOST=host).status_code
                    # '.mta-sts...' is no mta-sts name at all: the site answers it (400)
                    assert asked in (200, 403) and (asked == 200) == (served == 200), (
                        asked,
                        served,
                    )

    def test_one_trailing_dot_is_served_and_two_are_not(self) -> None:
        self.host()
        ok = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org.")
        assert ok.status_code == 200 and b"version: STSv1" in ok.content
        bad = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org..")
        assert bad.status_code == 404 and b"STSv1" not in bad.content
