"""The hosting page renders at once: its three DNS lookups (the mta-sts host, the `_mta-sts`
record, the `_smtp._tls` record) waited up to MAILSEC_CHECK_TIMEOUT (8 s) inside the request
when the resolver did not answer, and the whole page hung with them. Now the page gives the
records to publish (their values need no DNS) and fetches their live state as an htmx partial
(hosting:records); that URL opened without JavaScript is the page with the state filled in.

The lookups are recorded, not answered by the network: the point is which request makes them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

from django.conf import settings
from django.urls import reverse

from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from reports.models import ReportAddress
from tests.test_hosting import T0, HostingCase, fake_dns


@contextmanager
def recorded_lookups(**kw: Any) -> Iterator[list[str]]:
    """fake_dns's answers (kw), with each record lookup the hosting page may make recorded."""
    calls: list[str] = []
    with fake_dns(**kw):
        answers = {n: getattr(lookups, n) for n in ("points_at_us", "sts_record", "tlsrpt_record")}

        def recorder(name: str) -> Any:
            async def look(*args: Any) -> Any:
                calls.append(name)
                return await answers[name](*args)

            return look

        with (
            mock.patch.object(lookups, "points_at_us", recorder("points_at_us")),
            mock.patch.object(lookups, "sts_record", recorder("sts_record")),
            mock.patch.object(lookups, "tlsrpt_record", recorder("tlsrpt_record")),
        ):
            yield calls


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class RecordsPartialTestCase(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        self.client.force_login(self.alice)

    def test_the_page_looks_nothing_up_and_still_gives_every_value(self) -> None:
        with recorded_lookups() as calls:
            r = self.client.get(self.url("page"))
        assert r.status_code == 200
        assert calls == []
        html = r.content.decode()
        # What to publish, at once: the three names, our policy host, the _mta-sts value
        # and our TLS-RPT address, each with its Copy button.
        for name in ("mta-sts.example.org", "_mta-sts.example.org", "_smtp._tls.example.org"):
            assert f">{name}</code>" in html, name
        assert f">{settings.MAILSEC_POLICY_HOST}</code>" in html
        assert f"v=STSv1; id={self.policy.policy_id};" in html
        assert ReportAddress.for_domain(self.domain).mailto in html
        assert 'data-copy-target="record-value-1"' in html
        # The state is fetched once the page is shown, and a plain link does it without
        # JavaScript.
        records = self.url("records")
        assert f'hx-get="{records}" hx-trigger="load"' in html
        assert f'<a href="{records}">' in html
        text = text_of(html)
        assert "Looking up" in text
        assert "not yet" not in text and "could not check" not in text

    def test_the_partial_gives_the_live_state(self) -> None:
        with recorded_lookups(points=False, record="missing") as calls:
            r = self.client.get(self.url("records"), HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        assert sorted(calls) == ["points_at_us", "sts_record", "tlsrpt_record"]
        html = r.content.decode()
        assert "<html" not in html and "<body" not in html  # a fragment for htmx to swap in
        assert html.lstrip().startswith('<section class="card" id="records"')
        # Loaded once, never polled: its one hx-get is Look again's, fetched when pressed.
        assert "hx-trigger" not in html and html.count("hx-get") == 1
        text = text_of(html)
        assert "Records to publish" in text and "not yet" in text
        assert f"v=STSv1; id={self.policy.policy_id};" in html
        assert "Vary" in r and "HX-Request" in r["Vary"]

    def test_without_javascript_the_link_gives_the_page_with_the_state(self) -> None:
        with recorded_lookups() as calls:
            r = self.client.get(self.url("records"))
        assert r.status_code == 200
        assert sorted(calls) == ["points_at_us", "sts_record", "tlsrpt_record"]
        html = r.content.decode()
        assert "<h1>Hosted MTA-STS</h1>" in html and "The policy we serve" in html
        assert "hx-trigger" not in html  # the state is there: nothing left to fetch
        assert [row.state for row in r.context["records"]] == ["ok", "ok", "stale"]

    def test_a_lookup_that_fails_reads_could_not_check_in_the_partial(self) -> None:
        failing = mock.AsyncMock(return_value=(False, f"{lookups.LOOKUP_FAILED} x: TIMEOUT"))
        with fake_dns(tlsrpt_failed=True), mock.patch.object(lookups, "points_at_us", failing):
            r = self.client.get(self.url("records"), HTTP_HX_REQUEST="true")
        assert text_of(r.content.decode()).count("could not check") == 2

    def test_a_refused_settings_form_looks_nothing_up_either(self) -> None:
        with recorded_lookups() as calls:
            r = self.client.post(
                self.url("update"), {"mode": "testing", "max_age": 86400, "extra": "*.co.uk"}
            )
        assert r.status_code == 400
        assert calls == []
        self.assertContains(r, "public suffix", status_code=400)
        self.assertContains(r, 'hx-trigger="load"', status_code=400)

    def test_after_release_the_records_to_remove_come_the_same_way(self) -> None:
        policy = HostedPolicy.objects.get()
        policy.max_age = 86400
        policy.text = ""  # as if hosted with it from the start (HostingCase.host)
        policy.refresh_text(T0)
        policy.save()
        with fake_dns():
            service.disable(policy, now=T0)
            service.sync(policy, now=T0 + timedelta(days=1, seconds=1))
        with recorded_lookups() as calls:
            page = self.client.get(self.url("page"))
        assert calls == []
        text = text_of(page.content.decode())
        assert "Records to remove" in text and "_smtp._tls.example.org" not in text
        assert "yes: remove it" not in text and "removed" not in text
        with recorded_lookups(record="txt") as calls:
            part = self.client.get(self.url("records"), HTTP_HX_REQUEST="true")
        text = text_of(part.content.decode())
        assert "Records to remove" in text and text.count("yes: remove it") == 2
        assert "_smtp._tls.example.org" not in text

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        with recorded_lookups() as calls:
            for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
                r = self.client.get(self.url("records"), **htmx)
                assert r.status_code == 404
                assert "example.org" not in r.content.decode()
        assert calls == []
        self.client.logout()
        r = self.client.get(self.url("records"))
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")

    def test_a_teammate_gets_the_partial(self) -> None:
        self.client.force_login(self.bob)
        with fake_dns():
            r = self.client.get(self.url("records"), HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        self.assertContains(r, "_mta-sts.example.org")

    def test_an_unverified_domain_has_no_records_to_look_up(self) -> None:
        self.domain.verified_at = None
        self.domain.save()
        with recorded_lookups() as calls:
            page = self.client.get(self.url("page"))
            part = self.client.get(self.url("records"), HTTP_HX_REQUEST="true")
        assert calls == []
        self.assertContains(page, "Verify example.org first")
        assert 'hx-trigger="load"' not in page.content.decode()
        assert part.status_code == 200 and "Records to publish" not in part.content.decode()
