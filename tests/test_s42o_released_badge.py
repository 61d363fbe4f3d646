"""Task s42o, item 2: once hosting is off (released), a records-panel badge that asks the
owner to act ("yes: remove it", "yes: 2 records") wears the warning colour (status-warn),
never the pass colour; "removed" and "not ours" (nothing of ours left there) wear the pass
colour, "could not check" the error colour. Every mta-sts / _mta-sts reading the released
panel tells (views._released_rows) is rendered through the template and its colour read."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

from django.urls import reverse

from mailsec.hosting import lookups
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import HostingCase, fake_dns
from tests.test_s42h_hosting_leftovers import HOST, REAL_STS_RECORD, STS, Sts

BADGE = re.compile(r'<span class="status-(\w+)">([^<]*)</span>')
HOSTS = {
    "ours": (True, lookups.Leads(f"{HOST} is a CNAME to sts.example", "ours")),
    "dangling": (
        False,
        lookups.Leads(
            f"{HOST} is a CNAME to gone.provider.example{lookups.DANGLING}",
            "missing",
            lookups.DANGLING_CNAME,
        ),
    ),
    "gone": (False, lookups.Leads(f"{HOST} does not exist yet", "missing")),
    "elsewhere": (
        False,
        lookups.Leads(
            f"{HOST} points elsewhere (mta-sts.provider.example, 192.0.2.7)", "elsewhere"
        ),
    ),
    "failed": (False, lookups.Leads(f"{lookups.LOOKUP_FAILED} {HOST}: SERVFAIL", "unknown")),
}
COLOUR = {"removed": "pass", "not ours": "pass", "could not check": "error"}


class S42oReleasedBadgeTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.ours = self.host().policy_id
        HostedPolicy.objects.filter(domain=self.domain).update(state=HostedPolicy.State.OFF)
        self.client.force_login(self.alice)

    def badges(
        self, host: tuple[bool, str], *published: str, htmx: bool = True
    ) -> dict[str, tuple[str, str]]:
        """(colour, words) of the 'Still there?' badge of the mta-sts and _mta-sts rows: of
        the panel htmx loads, or (`htmx` False) of the whole page the panel's link opens."""

        async def points_at_us(dns: object, name: str) -> tuple[bool, str]:
            return host

        async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
            return await REAL_STS_RECORD(Sts(*published), domain, policy_id, zone)

        with (
            fake_dns(),
            mock.patch.object(lookups, "points_at_us", points_at_us),
            mock.patch.object(lookups, "sts_record", sts_record),
        ):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            r = self.client.get(reverse("hosting:records", args=[self.domain.code]), **headers)
        html = r.content.decode()
        assert "Records to remove" in html
        found = {}
        for name in (HOST, STS):
            start = html.index(f">{name}</code>", html.index('id="records"'))
            colour, words = BADGE.findall(html[start : html.index("</tr>", start)])[-1]
            found[name] = (colour, words.strip())
        return found

    def test_s42o_a_badge_asking_to_act_wears_the_warning_colour(self) -> None:
        published: list[tuple[str, ...]] = [
            (),
            (f"v=STSv1; id={self.ours};",),
            ("v=STSv1; id=own3;",),
            ("v=STSv1 id=bad",),  # invalid: senders discard it
            (f"v=STSv1; id={self.ours};", "v=STSv1; id=own2;"),
        ]
        told: dict[str, set[str]] = {HOST: set(), STS: set()}
        for key, host in HOSTS.items():
            for records in published:
                for name, (colour, words) in self.badges(host, *records).items():
                    told[name].add(words)
                    want = "warn" if words.startswith("yes") else COLOUR.get(words)
                    if (key, name, words) == ("failed", STS, "not ours"):
                        # Another id's record while mta-sts could not be looked up: kept only
                        # if it leads to the owner's own policy, a thing to check (warn).
                        want = "warn"
                    assert colour == want, (name, key, records, colour, words)
        # Every kind of badge was seen, on both rows.
        assert {"yes: remove it", "removed", "not ours", "could not check"} <= told[HOST], told
        assert {"yes: remove it", "yes: 2 records", "removed", "not ours"} <= told[STS], told

    def test_s42o_the_whole_page_wears_the_same_colours(self) -> None:
        # Opened as a link (no JavaScript): the page with the panel in it.
        badges = self.badges(HOSTS["ours"], f"v=STSv1; id={self.ours};", htmx=False)
        assert badges == {HOST: ("warn", "yes: remove it"), STS: ("warn", "yes: remove it")}
        badges = self.badges(HOSTS["gone"], htmx=False)
        assert badges == {HOST: ("pass", "removed"), STS: ("pass", "removed")}
