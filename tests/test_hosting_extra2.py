"""Hosted MTA-STS, more realistic inputs: Host headers and methods on the policy host, Caddy's
ask with odd names, and the owner's settings form (see tests/test_hosting.py for the rest)."""

from __future__ import annotations

from django.urls import reverse

from mailsec.hosting import policy as rules
from mailsec.hosting import service
from tests import test_hosting as base
from tests.test_hosting import DAY, POLICY_URL, WEEK, HostingCase, checked, fake_dns


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

    add_reports = base.PageTestCase.add_reports

    def test_no_mode_or_setting_changes_while_hosting_winds_down(self) -> None:
        # A page loaded before a teammate chose Stop hosting still shows Switch to enforce:
        # the stale click saved mode enforce (unserved, "new policy id" the old one), and Keep
        # hosting then served enforce at once.
        mx = ["a.mx.provider.test", "mx1.example.org"]
        policy = self.host(mx)
        self.add_reports(policy)
        checked(self.domain, dict.fromkeys(mx, "pass"))
        assert [s.pattern for s in rules.suggestions(mx, policy.patterns())] == [
            "*.mx.provider.test"
        ]
        service.disable(policy)
        served = policy.text
        self.client.force_login(self.alice)
        code = [self.domain.code]
        r = self.client.post(reverse("hosting:enforce", args=code), follow=True)
        self.assertContains(r, "Keep hosting first")
        with fake_dns(mx):
            self.client.post(
                reverse("hosting:update", args=code),
                {"mode": "testing", "max_age": DAY, "extra": "*.mx.example.net"},
            )
            self.client.post(
                reverse("hosting:suggest", args=code), {"pattern": "*.mx.provider.test"}
            )
        policy.refresh_from_db()
        assert policy.state == "disabling" and policy.mode == "testing"
        assert policy.max_age == WEEK and policy.mx_extra == [] and policy.text == served
        with fake_dns(mx):
            self.client.post(reverse("hosting:enable", args=code))
        policy.refresh_from_db()
        assert policy.state == "active" and "mode: testing\r\n" in policy.text
