"""Task s42zE. (1) Once hosting is off, the records panel (views._released_rows) told which
mta-sts.<domain> leads to another host by finding " points elsewhere (" in points_at_us's
words; it now reads the reading's state (lookups.leads_state), as the policy-host watch does
since ee1937da, so a rewording cannot turn "not ours" into "removed" or back. (2) A CNAME to a
name that exists but has no address read "does not exist yet": the name exists (an alias). It
is now said as it is, with the same state ("missing") for the sync and the panel's badges."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from django.conf import settings

from mailsec.hosting import lookups, service
from mailsec.hosting.lookups import Leads, RecordState
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.views import _released_rows
from tests import test_s42o_released_badge as s42o
from tests import test_s42q_dangling_policy_host as s42q
from tests.test_hosting import T0, HostingCase
from tests.test_s42h_hosting_leftovers import STS
from tests.test_s42q_dangling_policy_host import GONE, HOP, HOST, Zone, dangling

DOMAIN = "example.org"
NONE = RecordState("missing", "")
THEIRS = RecordState("stale", "", found_id="own3", ids=("own3",))


def released(ok: bool, detail: str, sts: RecordState = NONE) -> tuple[tuple, tuple]:
    return _released_rows(DOMAIN, "ours1", ok, detail, sts)


def real(zone: Zone) -> tuple[bool, str]:
    return asyncio.run(lookups.points_at_us(zone, HOST))


def test_s42ze_the_panel_reads_elsewhere_by_the_state_not_the_words() -> None:
    # Another host, in words that do not say "points elsewhere (": still not ours.
    moved = Leads(f"{HOST} leads to mta-sts.provider.example (192.0.2.7)", "elsewhere")
    host, sts = released(False, moved, THEIRS)
    assert host[:2] == ("elsewhere", "not ours"), host
    assert sts[:2] == ("elsewhere", "not ours"), sts
    assert "keep it" in sts[2], sts


def test_s42ze_a_name_gone_in_words_that_say_elsewhere_is_removed() -> None:
    gone = Leads(f"{HOST} points elsewhere (nothing, in these words)", "missing")
    host, sts = released(False, gone, THEIRS)
    assert host == ("missing", "removed", f"{HOST} does not exist: nothing left to remove."), host
    assert sts[:2] == ("stale", "yes: remove it"), sts


def test_s42ze_real_readings_keep_their_rows() -> None:
    # Controls: the words and badges every real reading had before.
    ours = Zone({HOST: ("NOERROR", ["192.0.2.1"], [])})
    elsewhere = Zone({HOST: ("NOERROR", ["198.51.100.4"], [HOP])})
    rows = {
        "ours": released(*real(ours), THEIRS),
        "gone": released(*real(Zone({})), THEIRS),
        "dangling": released(*real(dangling(GONE)), THEIRS),
        "elsewhere": released(*real(elsewhere), THEIRS),
    }
    assert rows["ours"][0][:2] == ("ok", "yes: remove it")
    assert rows["gone"][0] == (
        "missing",
        "removed",
        f"{HOST} does not exist: nothing left to remove.",
    )
    assert rows["dangling"][0][:2] == ("stale", "yes: remove it")
    assert rows["elsewhere"][0] == (
        "elsewhere",
        "not ours",
        f"{HOST} points elsewhere ({HOP}, 198.51.100.4): no longer to us, so nothing of ours "
        "is left to remove (the policy served there, if any, is that host's).",
    )
    assert rows["elsewhere"][1][:2] == ("elsewhere", "not ours")
    for key in ("ours", "gone", "dangling"):
        assert rows[key][1][:2] == ("stale", "yes: remove it"), (key, rows[key][1])
    assert "and mta-sts.example.org does not exist:" in rows["gone"][1][2]


def test_s42ze_a_cname_to_a_name_with_no_address_is_said_so() -> None:
    ok, detail = real(Zone({HOST: ("NOERROR", [], [HOP])}))
    assert not ok
    assert detail == f"{HOST} is a CNAME to {HOP}, which has no address", detail
    assert "does not exist" not in detail
    # The same state as before, for the sync: the name leads nowhere (missing).
    assert lookups.leads_state(ok, detail) == "missing"
    assert not lookups.dangling(detail)
    # A chain names its first and last names, as for a dangling one.
    ok, detail = real(Zone({HOST: ("NOERROR", [], [HOP, GONE])}))
    assert detail == f"{HOST} is a CNAME to {HOP}, which leads on to {GONE}, which has no address"
    assert lookups.leads_state(ok, detail) == "missing"


def test_s42ze_the_released_panel_does_not_call_that_cname_gone() -> None:
    host, sts = released(*real(Zone({HOST: ("NOERROR", [], [HOP])})), THEIRS)
    # The same state and colour as before (nothing of ours there), but not "removed": the
    # alias is there, to another name.
    assert host[:2] == ("missing", "not ours"), host
    assert "does not exist" not in host[2], host
    assert f"is a CNAME to {HOP}, which has no address" in host[2], host
    # A record of another id beside it announces a policy nobody serves, as before.
    assert sts[:2] == ("stale", "yes: remove it"), sts
    assert "does not exist" not in sts[2] and "leads to a name with no address" in sts[2], sts


class S42zeWatchTestCase(HostingCase):
    def test_s42ze_the_watch_reads_that_cname_as_missing_as_before(self) -> None:
        policy = self.host()
        policy.policy_host_state = "ours"
        ok, detail = real(Zone({HOST: ("NOERROR", [], [HOP])}))
        # "missing" after "ours": a spell without the name, not told at once (no email
        # saying it leads elsewhere).
        assert service.policy_host_told(policy, ok, detail, T0 + timedelta(hours=1)) == []
        assert policy.policy_host_state == "ours"


class S42zeReleasedBadgeTestCase(HostingCase):
    """The panel through the template (s42o's reading of the badges)."""

    badges = s42o.S42oReleasedBadgeTestCase.badges

    def setUp(self) -> None:
        super().setUp()
        self.host()
        HostedPolicy.objects.filter(domain=self.domain).update(state=HostedPolicy.State.OFF)
        self.client.force_login(self.alice)

    def test_s42ze_the_no_address_cname_wears_the_pass_colour_and_its_words(self) -> None:
        host = real(Zone({HOST: ("NOERROR", [], [HOP])}))
        assert self.badges(host) == {HOST: ("pass", "not ours"), STS: ("pass", "removed")}
        badges = self.badges(host, "v=STSv1; id=own3;")
        assert badges == {HOST: ("pass", "not ours"), STS: ("warn", "yes: remove it")}
        # A reading in words that do not say "points elsewhere (": the state tells.
        moved = (False, Leads(f"{HOST} leads to mta-sts.provider.example", "elsewhere"))
        assert self.badges(moved, "v=STSv1; id=own3;") == {
            HOST: ("pass", "not ours"),
            STS: ("pass", "not ours"),
        }


class S42zeSetupPanelTestCase(HostingCase):
    def test_s42ze_while_hosting_the_no_address_cname_asks_for_ours_in_its_place(self) -> None:
        self.policy = self.host()
        self.client.force_login(self.alice)
        row, text, html = s42q.S42qDanglingPanelTestCase.host_row(
            self, Zone({HOST: ("NOERROR", [], [HOP])})
        )
        assert "Records to publish" in html
        assert row.state == "missing" and "not yet" in text, text
        assert "does not exist" not in text, text
        assert row.detail == (
            f"{HOST} is a CNAME to {HOP}, which has no address: publish the CNAME to "
            f"{settings.MAILSEC_POLICY_HOST} in its place."
        ), row.detail
