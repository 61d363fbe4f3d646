"""Hosted MTA-STS, more realistic inputs: Host headers and methods on the policy host, Caddy's
ask with odd names, and the owner's settings form (see tests/test_hosting.py for the rest)."""

from __future__ import annotations

from django.urls import reverse

from tests.test_hosting import POLICY_URL, WEEK, HostingCase, fake_dns


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


class SettingsTestCase(HostingCase):
    def test_a_change_that_leaves_no_mx_line_is_refused_not_saved_unserved(self) -> None:
        # Every live MX is a name no mx line may hold (an underscore): a strict mode cannot be
        # served. Saving the mode anyway left "Saved." and "Mode none → testing" on the page
        # while senders kept getting mode none.
        policy = self.host(["mx1.example.org"], mode="none")
        policy.mx_live = ["mx_1.example.org"]
        policy.save()
        before = policy.text
        self.client.force_login(self.alice)
        url = reverse("hosting:update", args=[self.domain.code])
        with fake_dns(["mx_1.example.org"]):
            r = self.client.post(
                url, {"mode": "testing", "max_age": WEEK, "extra": ""}, follow=True
            )
        self.assertContains(r, "needs at least one mx line")
        policy.refresh_from_db()
        assert policy.mode == "none" and policy.text == before
        assert not policy.events.filter(kind="mode").exists()
        # with a pattern that names the host, it is saved and served
        with fake_dns(["mx_1.example.org"]):
            self.client.post(url, {"mode": "testing", "max_age": WEEK, "extra": "mx1.example.org"})
        policy.refresh_from_db()
        assert (
            policy.mode == "testing" and "mode: testing\r\nmx: mx1.example.org\r\n" in policy.text
        )
