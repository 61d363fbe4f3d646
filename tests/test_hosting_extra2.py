"""Hosted MTA-STS, more realistic inputs: Host headers and methods on the policy host, Caddy's
ask with odd names, and the owner's settings form (see tests/test_hosting.py for the rest)."""

from __future__ import annotations

from tests.test_hosting import POLICY_URL, HostingCase


class PolicyHostTestCase(HostingCase):
    def test_head_answers_like_get_without_a_body(self) -> None:
        # curl -I and uptime monitors ask with HEAD; a 404 there reads as "policy missing".
        policy = self.host(["mx1.example.org"])
        r = self.client.head(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200
        assert r["Content-Type"] == "text/plain"
        assert r["Content-Length"] == str(len(policy.text.encode()))
        assert r.content == b""
        assert "Set-Cookie" not in r.headers
        # other methods still see nothing
        assert self.client.options(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404
        assert self.client.head("/", HTTP_HOST="mta-sts.example.org").status_code == 404
