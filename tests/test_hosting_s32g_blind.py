"""Blind round s32g on hosted MTA-STS: the owner deletes a domain whose policy we host in
testing or enforce. Written down (and committed) with what RFC 8461 §5.1 and §8.3 and
docs/hosting.md (*Deleting the domain*) say must happen, before any of it was run.

RFC 8461 §8.3: to withdraw a policy, publish mode none with a new id and keep serving it until
the old policy's max_age has passed; a sender holding an enforce copy that no longer matches
the MX would refuse mail (or keep a stale mx list) until it expires. So deleting the domain
must not simply stop serving: mode none is served, detached from the team, until every
testing/enforce copy senders may hold has expired, then released. Users see only their own
domains throughout, and the name is taken over only by a team that proves control again (a
new challenge value; the deleted row's value is no proof).

Played with the s32h harness (tests/test_hosting_s32h_blind.py: MX answers from a wire DNS
server through the engine's resolver, the body senders get, ids never reused, our policy
zone, events, emails, the pages) and these steps of its own:

* `delete`: alice presses Remove on the domain page (the real view, committed: its zone
  update runs); `message_says` / `message_not_says` check the page's message;
* `add`: `who` adds example.org through the domain list's form (alice's new row becomes the
  case's domain);
* `verify`: `who`'s example.org row looks for its challenge (`challenge` names whose value is
  published: "old_alice" is the deleted row's); `verified` is the outcome.

Times are offsets from T0 = 1 Dec 2026, 12:00 UTC; default max_age 604800, mode testing.

Results. The 5 histories were committed in 6a211cd before any ran, with 1 row planted wrong
(deleted_under_enforce_serves_none_until_max_age at +9d-5m: released five minutes early),
which failed as it should and is corrected. The harness first kept s26's own domain after an
`add` (it puts it back after every step), so alice's Host MTA-STS ran on the deleted row's
object: fixed (`readded`), and then deleted_then_readded_by_its_own_team held as written.
Of the 5, 3 held as written; 2 expected a 'released' event at a detached policy's release,
which deletes the policy with its events (no page shows them, nobody is told): the
expectations are corrected, with a `corrected` note each. No product defect: deletion under
testing/enforce serves mode none with a new id until every such copy has expired, an outsider
hosts only after proving control with his own challenge value, and his Stop waits for the
deleted domain's copies (RFC 8461 §8.3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from django.urls import reverse

from mailsec.domains.models import Domain
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s32h_blind as s32h
from tests.test_hosting import T0

served = s32h.served
d = s32h.d
MX1 = s32h.MX1
NEW = s32h.NEW
THIRTY_DAYS = 2592000


# fmt: off
CASES: list[dict[str, Any]] = [
    {
        "id": "deleted_under_enforce_serves_none_until_max_age",
        "zone": True,
        "why": "Enforce since 1h, the domain deleted at 2d (mail moving elsewhere): mode none "
               "with a new id at once (our zone too), served until the enforce copy's max_age "
               "from the deletion (10 Dec 2026, 12:00, given on the page and, since s32e, "
               "emailed to the team with the records to keep), no page of it left for "
               "anyone; the new MX is not followed; released after.",
        "corrected": "expected a 'released' event at the release; a detached policy is "
                     "deleted at its release, its events with it (service.release): no page "
                     "shows them and nobody is told, so an event would be read by nobody. "
                     "The release itself (404, our TXT withdrawn) held as written.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [MX1]), "id": "new", "zone": "new"}},
            {"at": "2d", "do": "delete", "reason": "deleted: none until 10 Dec 2026, 12:00",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        # s32e: the team is emailed the date and the records to keep.
                        "events": ["detached"], "emails": 1,
                        "message_says": ["10 Dec 2026, 12:00"],
                        "pages": {"alice": 404, "bob": 404, "charlie": 404}}},
            {"at": "3d", "dns": d(NEW), "do": "sync", "reason": "MX no longer followed",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            # Planted wrong in 6a211cd (released, 404, five minutes early); corrected.
            {"at": "9d-5m", "do": "sync", "reason": "five minutes early: still served",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "9d+5m", "do": "sync", "reason": "every enforce copy expired: released",
             "expect": {"served": "404", "zone": "withdrawn", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "deleted_while_winding_down_keeps_its_date",
        "zone": True,
        "why": "Stop hosting at 1d (enforce since 1h: none until 9 Dec 2026, 12:00), the domain "
               "deleted at 2d: the disable under way keeps its release time (mode none already "
               "served, so no new id), and the release comes then.",
        "corrected": "expected a 'released' event, as in "
                     "deleted_under_enforce_serves_none_until_max_age: none is kept for a "
                     "detached policy, deleted at its release.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["9 Dec 2026, 12:00"]}},
            {"at": "2d", "do": "delete", "reason": "deleted: the same date",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": ["detached"], "emails": 1,  # s32e: the team is told
                        "message_says": ["9 Dec 2026, 12:00"]}},
            {"at": "8d-5m", "do": "sync", "reason": "not yet",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "8d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "deleted_in_none_long_enough_goes_at_once",
        "zone": True,
        "why": "Testing until 1h, then mode none; deleted at 8d+2h, past the testing copy's "
               "max_age: no sender may hold a testing/enforce copy, so the policy goes with "
               "its domain (404, our TXT withdrawn) and the page says nothing of mode none.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "settings", "form": {"mode": "none"}, "reason": "none",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new"}},
            {"at": "8d+2h", "do": "delete", "reason": "goes at once",
             "expect": {"served": "404", "zone": "withdrawn", "emails": 0,
                        "message_not_says": ["mode: none"]}},
        ],
    },
    {
        "id": "deleted_in_testing_then_an_outsider_readds",
        "zone": True,
        "why": "Testing with a 30-day max_age, deleted at 1d: none until 1 Jan 2027, 12:00. "
               "Charlie adds example.org: he sees nothing of alice's, cannot host before "
               "verifying, and the deleted row's challenge value (still published) is no proof "
               "for him. With his own value he verifies and hosts: his policy takes over at "
               "once (testing, one week: nothing valid served), alice hears nothing, and his "
               "page shows nothing of hers. He stops at once: mode none is served until the "
               "last testing copy of alice's expires (1 Jan 2027, 12:00, RFC 8461 §8.3), not "
               "just his own week.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "do": "settings", "form": {"max_age": THIRTY_DAYS}, "reason": "30 days",
             "expect": {"served": served("testing", [MX1], THIRTY_DAYS), "id": "new",
                        "zone": "new"}},
            {"at": "1d", "do": "delete", "reason": "deleted: none until 1 Jan 2027, 12:00",
             "expect": {"served": served("none", [MX1], THIRTY_DAYS), "id": "new",
                        "zone": "new", "events": ["detached"], "emails": 1,  # s32e
                        "message_says": ["1 Jan 2027, 12:00"]}},
            {"at": "1d+1h", "do": "add", "who": "charlie", "reason": "charlie adds the name",
             "expect": {"served": served("none", [MX1], THIRTY_DAYS), "id": "same",
                        "zone": "none", "emails": 0,
                        "pages": {"alice": 404, "bob": 404, "charlie": 404}}},
            {"at": "1d+2h", "do": "enable_other", "reason": "charlie hosts before verifying",
             "expect": {"refused": "Verify the domain first",
                        "served": served("none", [MX1], THIRTY_DAYS), "id": "same",
                        "zone": "none", "emails": 0}},
            {"at": "1d+3h", "challenge": ["old_alice"], "do": "verify", "who": "charlie",
             "reason": "the deleted row's value is no proof for charlie",
             "expect": {"verified": False, "emails": 0}},
            {"at": "1d+4h", "challenge": ["charlie"], "do": "verify", "who": "charlie",
             "reason": "his own value", "expect": {"verified": True, "emails": 0}},
            # Corrected (s44j): page_not_says also held alice's date ("2027-01-01"), which
            # never matched a page written "1 Jan 2027, 12:00 UTC". In that form it fails on
            # the Stop hosting card, rightly: charlie's Stop waits for her testing copies (the
            # next step), and the card says until when, as still_served_notice gives the
            # verifying team a detached policy's date: the name's, not her team's business.
            {"at": "1d+5h", "do": "enable_other", "reason": "charlie's policy takes over",
             "expect": {"served": served("testing", [MX1]), "id": "new", "zone": "new",
                        "emails": 0, "page_as": "charlie",
                        "page_not_says": ["alice@example.org", "The domain was deleted"],
                        "page_says": ["earlier testing/enforce version of your policy until "
                                      "1 Jan 2027, 12:00 UTC"]}},
            {"at": "1d+6h", "do": "disable", "reason": "charlie stops: alice's copies first",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 0, "says": ["1 Jan 2027, 12:00"]}},
            {"at": "8d+7h", "do": "sync", "reason": "past charlie's own week: still served",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "31d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"],
                        "emails": 0}},
        ],
    },
    {
        "id": "deleted_then_readded_by_its_own_team",
        "zone": True,
        "why": "Enforce, deleted at 1d by mistake (none until 9 Dec 2026, 12:00), added again "
               "at 1d+1h: a new row to verify again (its own challenge value); its pages are "
               "the team's (bob too), not charlie's; hosting it again takes the name over at "
               "once, starting afresh in testing (no check of the new row yet).",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "do": "delete", "reason": "deleted",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "emails": 1,  # s32e: the team is told
                        "message_says": ["9 Dec 2026, 12:00"]}},
            {"at": "1d+1h", "do": "add", "who": "alice", "reason": "added again",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "pages": {"alice": 200, "bob": 200, "charlie": 404}}},
            {"at": "1d+2h", "do": "enable", "reason": "not verified yet",
             "expect": {"refused": "Verify the domain first", "served": served("none", [MX1]),
                        "id": "same", "zone": "none", "emails": 0}},
            {"at": "1d+3h", "challenge": ["alice"], "do": "verify", "who": "alice",
             "reason": "the new row's value", "expect": {"verified": True}},
            {"at": "1d+4h", "do": "enable", "reason": "hosted again: takes over",
             "expect": {"served": served("testing", [MX1]), "id": "new", "zone": "new",
                        "emails": 0}},
        ],
    },
]
# fmt: on


class S32gHistories(s32h.S32hHistories):
    old_alice_value = ""
    # Alice's row added again: s26's play puts its own domain back after every step.
    readded: Domain | None = None

    def challenge_values(self, names: Any) -> Any:
        if isinstance(names, list) and "old_alice" in names:
            return [self.old_alice_value]
        return super().challenge_values(names)

    def row_of(self, who: str) -> Domain:
        return self.charlies_domain() if who == "charlie" else self.domain

    def play_step26(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        if self.readded is not None and self.domain.name == self.readded.name:
            self.domain = self.readded
        if step["do"] not in ("delete", "add", "verify"):
            super().play_step26(step, state, ids, where)
            return
        at = T0 + s12.offset(step["at"])
        expect = step["expect"]
        said: list[str] = []

        def action(domain: Any, now: Any = None) -> Any:
            with mock.patch("django.utils.timezone.now", return_value=at):
                if step["do"] == "delete":
                    self.delete_domain(said)
                elif step["do"] == "add":
                    self.add_domain(step["who"], where)
                else:
                    verified = self.row_of(step["who"]).verify(hints=False)
                    assert verified == expect["verified"], f"{where}: verified {verified}"
            return None, []

        run = {k: v for k, v in expect.items() if k != "verified"}
        with mock.patch.object(s32h.service, "enable_told", action):
            super().play_step26(step | {"do": "enable", "expect": run}, state, ids, where)
        message = " ".join(said)
        for text in expect.get("message_says", []):
            assert text in message, f"{where}: {text!r} not in {message!r}"
        for text in expect.get("message_not_says", []):
            assert text not in message, f"{where}: {text!r} in {message!r}"

    def delete_domain(self, said: list[str]) -> None:
        deleted = self.domain
        self.old_alice_value = deleted.challenge_value
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(reverse("domains:remove", args=[deleted.code]), follow=True)
        assert r.status_code == 200, r.status_code
        said.extend(str(m) for m in r.context["messages"])
        # The harness refreshes its domain after each step: the deleted row stays as it was
        # (its code for the pages, which must answer 404 now).
        deleted.refresh_from_db = lambda *a, **k: None  # type: ignore[method-assign]

    def add_domain(self, who: str, where: str) -> None:
        self.client.force_login(getattr(self, who))
        r = self.client.post(reverse("domains:add"), {"name": "example.org"})
        assert r.status_code == 302, f"{where}: add as {who}: {r.status_code}"
        if who == "alice":
            self.domain = self.readded = Domain.objects.get(team=self.team, name="example.org")


s12.add_round_tests(S32gHistories, CASES, earlier=s32h.S32hHistories)


def test_the_round_has_what_the_brief_asks() -> None:
    assert len(CASES) == 5
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert timedelta(0) == s12.offset("0")
