"""s27h: the policy host's "ever led to us" evidence.

* A row whose mta-sts.<domain> already led elsewhere at its first policy-host reading (hosted
  before migration 0011, or the owner moved the name between two syncs) was never told when
  it left us: nothing stored showed the name ever led to us. Someone reaching us under that
  name is that evidence: Caddy's `ask` saying yes (a TLS handshake with that name arrived
  here and the name led to our policy host). HostedPolicy.policy_host_seen_at records it (at
  most every SEEN_STAMP_EVERY: Caddy asks at every handshake until it holds a certificate),
  and a name seen here since hosting began is told once when the sync then finds it
  elsewhere. A name never seen here stays untold. A policy request served with that Host was
  proposed as evidence too, but it is none: anyone may send that Host to our public site
  over TLS (the s12/s18/s25/s26 blind histories fetch the policy so while the name leads
  elsewhere, and were told a move away that never happened).
* A name first read elsewhere (never ours) that later leads to us was told "leads to us
  again": untrue, and nothing is asked of the owner (they published the record the hosting
  page lists, and the page shows it); told nothing, as a record put right is.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mailsec.hosting import service
from mailsec.hosting.models import SEEN_STAMP_EVERY, HostedPolicy
from tests import test_hosting_s12_blind as s12
from tests.test_hosting import POLICY_URL, T0
from tests.test_hosting_s26 import S26Case

LEFT = "mta-sts.example.org no longer leads to us"
ASK = {"domain": "mta-sts.example.org"}


class SeenHere(S26Case):
    def hosted_elsewhere(self) -> HostedPolicy:
        """A row whose first reading found the name elsewhere: as a row hosted before 0011
        whose name had already moved to another provider."""
        self.state["mta_sts"] = "elsewhere"
        policy = self.hosted()
        assert policy.policy_host_state == "elsewhere"
        assert policy.policy_host_changed_at is None
        return policy

    def seen_through_ask(self) -> None:
        self.state["mta_sts"] = "ours"
        assert self.client.get("/hosting/ask", ASK).status_code == 200
        self.state["mta_sts"] = "elsewhere"

    def test_a_name_seen_through_ask_is_told_once_when_it_leads_elsewhere(self) -> None:
        policy = self.hosted_elsewhere()
        self.seen_through_ask()
        policy.refresh_from_db()
        assert policy.policy_host_seen_at is not None
        [body] = self.sync(policy, "1d")
        assert LEFT in body
        assert self.sync(policy, "1d+5m") == []
        assert self.sync(policy, "2d") == []

    def test_later_sightings_while_it_leads_elsewhere_are_not_new_moves(self) -> None:
        policy = self.hosted_elsewhere()
        self.seen_through_ask()
        [body] = self.sync(policy, "1d")
        assert LEFT in body
        # Caddy asked again an hour later (a name server still giving our policy host):
        # the same move, not a new one.
        HostedPolicy.objects.filter(pk=policy.pk).update(policy_host_seen_at=None)
        self.seen_through_ask()
        assert self.sync(policy, "1d+1h") == []

    def test_a_policy_request_with_that_host_is_no_evidence(self) -> None:
        # Anyone can send that Host to our public site over TLS (Caddy's catch-all site
        # proxies every Host): a name never ours must not be told as having left us.
        policy = self.hosted_elsewhere()
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200
        policy.refresh_from_db()
        assert policy.policy_host_seen_at is None
        assert self.sync(policy, "1d") == []

    def test_a_name_never_seen_here_stays_untold(self) -> None:
        policy = self.hosted_elsewhere()
        # Caddy asked, but the name leads elsewhere: no certificate, no evidence.
        assert self.client.get("/hosting/ask", ASK).status_code == 403
        policy.refresh_from_db()
        assert policy.policy_host_seen_at is None
        assert self.sync(policy, "1d") == []

    def test_ask_stamps_at_most_every_few_minutes(self) -> None:
        # Caddy asks at every handshake until it holds a certificate.
        policy = self.hosted_elsewhere()
        self.state["mta_sts"] = "ours"
        assert self.client.get("/hosting/ask", ASK).status_code == 200
        policy.refresh_from_db()
        first = policy.policy_host_seen_at
        assert first is not None
        with CaptureQueriesContext(connection) as queries:
            assert self.client.get("/hosting/ask", ASK).status_code == 200
        assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
        # Stale enough: stamped again.
        HostedPolicy.objects.filter(pk=policy.pk).update(
            policy_host_seen_at=first - SEEN_STAMP_EVERY - timedelta(seconds=1)
        )
        assert self.client.get("/hosting/ask", ASK).status_code == 200
        policy.refresh_from_db()
        assert policy.policy_host_seen_at is not None and policy.policy_host_seen_at > first

    def test_release_forgets_the_sighting(self) -> None:
        policy = self.hosted_elsewhere()
        self.seen_through_ask()
        service.disable(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        assert policy.release_at is not None
        service.release(policy, policy.release_at + timedelta(minutes=1))
        policy.refresh_from_db()
        assert policy.policy_host_seen_at is None

    def test_while_winding_down_it_is_recorded_only(self) -> None:
        policy = self.hosted_elsewhere()
        self.seen_through_ask()
        service.disable(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        assert self.sync(policy, "1d") == []


class FirstTimeOurs(S26Case):
    def test_a_name_never_ours_that_comes_to_us_is_not_told_again(self) -> None:
        self.state["mta_sts"] = "elsewhere"
        policy = self.hosted()
        self.state["mta_sts"] = "ours"
        assert self.sync(policy, "1d") == []
        assert policy.policy_host_state == "ours"
        # It has led to us now: leaving is told.
        self.state["mta_sts"] = "elsewhere"
        [body] = self.sync(policy, "2d")
        assert LEFT in body
