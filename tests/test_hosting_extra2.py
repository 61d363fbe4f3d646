"""Hosted MTA-STS, more realistic inputs: Host headers and methods on the policy host, Caddy's
ask with odd names, and the owner's settings form (see tests/test_hosting.py for the rest)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from mailsec.domains.models import Domain
from mailsec.hosting import policy as rules
from mailsec.hosting import service
from tests import test_hosting as base
from tests.test_hosting import DAY, POLICY_URL, T0, WEEK, HostingCase, checked, fake_dns


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
        self.assertContains(r, "no MX host (mx_1.example.org) or extra pattern can be listed")
        self.assertContains(r, "or keep mode none. Nothing was saved.")
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

    def test_the_refusal_names_the_way_out_from_the_mode_before_the_save(self) -> None:
        # In testing with a pattern naming the host; the pattern removed.
        policy = self.host(["mx1.example.org"], mode="testing", mx_extra=["mx1.example.org"])
        policy.mx_live = ["mx_1.example.org"]
        policy.save()
        self.client.force_login(self.alice)
        url = reverse("hosting:update", args=[self.domain.code])
        with fake_dns(["mx_1.example.org"]):
            r = self.client.post(
                url, {"mode": "testing", "max_age": WEEK, "extra": ""}, follow=True
            )
        self.assertContains(r, "or set mode none. Nothing was saved.")
        policy.refresh_from_db()
        assert policy.mode == "testing" and policy.mx_extra == ["mx1.example.org"]

    add_reports = base.PageTestCase.add_reports

    @pytest.mark.usefixtures("unanswered_lookups_end_soon")
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


@override_settings(ALLOWED_HOSTS=["mailsec.example"], SECURE_SSL_REDIRECT=True)
class ProductionHostsTestCase(HostingCase):
    """As in production: customer names are in no ALLOWED_HOSTS and the app redirects to
    HTTPS; neither may reach a policy host."""

    def test_customer_names_in_any_spelling_get_the_policy_and_nothing_of_the_app(self) -> None:
        idn = Domain.objects.create(team=self.team, name="xn--bcher-kva.example", verified_at=T0)
        with fake_dns(["mx.xn--bcher-kva.example"]):
            service.enable(idn, now=T0)
        self.host(["mx1.example.org"])
        for host in (
            "MTA-STS.Example.ORG",
            "mta-sts.example.org:443",
            "mta-sts.example.org.",
            "mta-sts.xn--bcher-kva.example",
            "MTA-STS.XN--BCHER-KVA.EXAMPLE.:443",
        ):
            r = self.client.get(POLICY_URL + "?probe=1", HTTP_HOST=host)
            assert r.status_code == 200, host
            assert r["Content-Type"] == "text/plain" and r["Cache-Control"] == "no-cache"
            assert r.content.startswith(b"version: STSv1\r\n") and r.content.endswith(b"\r\n")
            assert "Set-Cookie" not in r.headers and "Vary" not in r.headers
        for path in (POLICY_URL + "/", "/.well-known/", "/accounts/login/"):
            r = self.client.get(path, HTTP_HOST="mta-sts.example.org")
            assert r.status_code == 404 and "Location" not in r.headers, path
        # unhosted names: a subdomain of a hosted one, mta-sts of mta-sts
        for host in ("mta-sts.sub.example.org", "mta-sts.mta-sts.example.org"):
            assert self.client.get(POLICY_URL, HTTP_HOST=host).status_code == 404
        # the app's own name still goes through its usual checks
        assert self.client.get("/", HTTP_HOST="mailsec.example").status_code == 301

    def test_ask_reads_names_as_caddy_may_send_them(self) -> None:
        self.host(["mx1.example.org"])
        with fake_dns(points=True):
            for name, status in (
                ("MTA-STS.EXAMPLE.ORG", 200),
                ("mta-sts.example.org.", 200),
                ("mta-sts.sub.example.org", 403),
                ("mta-sts.mta-sts.example.org", 403),
                ("example.org", 403),
                ("", 403),
            ):
                r = self.client.get("/hosting/ask", {"domain": name}, HTTP_HOST="127.0.0.1:8000")
                assert r.status_code == status, name
