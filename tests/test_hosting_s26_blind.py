"""Blind round 5 on hosted MTA-STS (s26h): histories no earlier round played, written down (and
committed) with what RFC 8461, RFC 5321 §5.1, RFC 8914 and docs/hosting.md say must happen
before any of it was run, played through the real service functions with the s12/s18/s24/s25
harness (MX answers from a wire DNS server through the engine's resolver, the body senders
get, ids never reused, events, emails, our policy zone, the pages).

The rule every history keeps: the served policy never makes a sender refuse mail to a host the
owner really uses, and the owner is told once, plainly, with the exact record to publish.

Beyond round 25 this round also plays:

* two hosted names at once (`on`: the step is about that name, "example.net" being charlie's
  team's domain; its own MX, `_mta-sts` and policy), e.g. two teams sharing one MX set;
* the certificate watch (`do`: "cert", `cert`: the certificate senders get at
  mta-sts.<domain>: `not_after` an offset from T0, `error` what refused it; the HTTPS reading
  is stood in for, the DNS is the wire server's);
* where mta-sts.<domain> leads (`mta_sts`: "ours", a CNAME to our policy host, or
  "elsewhere", a CNAME to another provider's policy host);
* a validating resolver's SERVFAIL for a DNSSEC-bogus MX answer, with its extended DNS error
  (`dns`: "bogus", RFC 8914 code 6);
* the domain's own address beside its MX records (`apex`), so an MX may name the domain;
* the `_mta-sts` lookup failing (`sts`: "servfail") or a CNAME into another provider's zone
  (`sts`: "other_provider");
* our policy zone refusing UPDATEs for a while (`zone_down`).

Times are offsets from T0 = 1 Dec 2026, 12:00 UTC; default max_age 604800, mode testing.

Results (the 18 histories were committed in 32c2b09 before any ran, with 3 planted wrong
expectations, which failed as they should and were removed): 13 ran as written. Four found
product defects, fixed with this round (tests/test_hosting_s26.py fails without each): a
deleted `_mta-sts` record, and one CNAMEd into another provider's zone, were told without the
record to publish (mta_sts_record_deleted_while_hosted_then_restored,
mta_sts_cname_into_another_providers_zone); mta-sts pointed at another provider's host was never
told (owner_points_mta_sts_at_another_provider, also corrected: told by the MX sync, see its
note); our zone refusing UPDATEs was emailed apart from the sync's email and again at every
sync (zone_update_fails_while_a_new_mx_joins_under_enforce). One expectation was wrong and is
corrected with its reason (dnssec_bogus_mx_answer_for_a_day: the extended error's words)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.conf import settings

from mailsec.domains.models import Domain
from mailsec.hosting import lookups, service
from mailsec.hosting.zone import PolicyZone, ZoneError
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests import test_hosting_s25_blind as s25
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_hosting import T0

IDN = s25.IDN
OUR_ZONE = s25.OUR_ZONE
OTHER_STS_HOST = "sts.otherprov.example"
FAILURES = ("servfail", "timeout", "nxdomain", "bogus")


def served(mode: str, mx: Any, max_age: int = 604800) -> dict[str, Any]:
    return {"mode": mode, "mx": mx, "max_age": max_age}


def thirty(first: int = 3) -> list[str]:
    return [f"mx{i:02d}.example.org" for i in range(first, 31)]


# fmt: off
CASES: list[dict[str, Any]] = [
    {
        "id": "one_step_move_prepared_by_a_wildcard_under_enforce",
        "zone": True,
        "why": "Moving provider in one step under enforce, prepared the careful way: before the "
               "move the owner adds the new provider's wildcard, so every sender holding the "
               "policy already accepts the new hosts (§4.1: one label). The move itself: the "
               "new hosts 'already covered', each its own line (new id), the old ones leaving "
               "for max_age (one email); a week later removed (new id).",
        "steps": [
            {"at": "0", "dns": ["mx1.oldmail.example.", "mx2.oldmail.example."], "sts": "cname",
             "do": "enable", "reason": "start",
             "expect": {"served": served("testing", ["mx1.oldmail.example", "mx2.oldmail.example"]),
                        "id": "new", "zone": "new", "emails": 0}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new", "events": ["mode"], "emails": 0}},
            {"at": "1d", "do": "settings", "form": {"extra": "*.in.newmail.example"},
             "reason": "the new provider's wildcard before the move",
             "expect": {"served": served("enforce", ["*.in.newmail.example", "mx1.oldmail.example",
                                                     "mx2.oldmail.example"]),
                        "id": "new", "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "2d", "dns": ["a.in.newmail.example.", "b.in.newmail.example."], "do": "sync",
             "reason": "the move in one step: covered already, own lines, old leaving until 10 Dec 2026, 12:00",
             "expect": {"served": served("enforce", ["*.in.newmail.example", "a.in.newmail.example",
                                                     "b.in.newmail.example", "mx1.oldmail.example",
                                                     "mx2.oldmail.example"]),
                        "id": "new", "zone": "new",
                        "events": ["mx-added", "mx-added", "mx-leaving", "mx-leaving"], "emails": 1,
                        "says": ["already covered", "10 Dec 2026, 12:00"],
                        "pending": ["mx1.oldmail.example", "mx2.oldmail.example"]}},
            {"at": "9d+5m", "do": "sync", "reason": "old hosts removed",
             "expect": {"served": served("enforce", ["*.in.newmail.example", "a.in.newmail.example",
                                                     "b.in.newmail.example"]),
                        "id": "new", "zone": "new", "events": ["mx-removed", "mx-removed"],
                        "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "weekly_rotating_provider_hosts_under_a_wildcard",
        "zone": True,
        "why": "A provider rotates its MX names weekly (mx1..mx4.rot.provider.example, two at "
               "a time) and the owner covers them with *.rot.provider.example. Each rotation: "
               "the new host already covered (own line, new id), the old one leaving a week, "
               "removed at the next rotation (said still covered by the wildcard), one email "
               "per sync; a host coming round again after its removal is added at once.",
        "steps": [
            {"at": "0", "dns": ["mx1.rot.provider.example.", "mx2.rot.provider.example."],
             "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", ["mx1.rot.provider.example", "mx2.rot.provider.example"]),
                        "id": "new", "zone": "new"}},
            {"at": "5m", "do": "settings", "form": {"extra": "*.rot.provider.example"},
             "reason": "wildcard",
             "expect": {"served": served("testing", ["*.rot.provider.example", "mx1.rot.provider.example",
                                                     "mx2.rot.provider.example"]),
                        "id": "new", "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "7d", "dns": ["mx2.rot.provider.example.", "mx3.rot.provider.example."],
             "do": "sync", "reason": "rotation 1: mx3 in, mx1 leaving until 15 Dec 2026, 12:00",
             "expect": {"served": served("testing", ["*.rot.provider.example", "mx1.rot.provider.example",
                                                     "mx2.rot.provider.example", "mx3.rot.provider.example"]),
                        "id": "new", "zone": "new", "events": ["mx-added", "mx-leaving"],
                        "emails": 1, "says": ["already covered", "15 Dec 2026, 12:00"],
                        "pending": ["mx1.rot.provider.example"]}},
            {"at": "14d+5m", "dns": ["mx3.rot.provider.example.", "mx4.rot.provider.example."],
             "do": "sync", "reason": "rotation 2: mx4 in, mx2 leaving, mx1 removed (still covered)",
             "expect": {"served": served("testing", ["*.rot.provider.example", "mx2.rot.provider.example",
                                                     "mx3.rot.provider.example", "mx4.rot.provider.example"]),
                        "id": "new", "zone": "new",
                        "events": ["mx-added", "mx-leaving", "mx-removed"], "emails": 1,
                        "says": ["*.rot.provider.example"],
                        "pending": ["mx2.rot.provider.example"]}},
            {"at": "21d+10m", "dns": ["mx4.rot.provider.example.", "mx1.rot.provider.example."],
             "do": "sync", "reason": "rotation 3: mx1 back (added), mx3 leaving, mx2 removed",
             "expect": {"served": served("testing", ["*.rot.provider.example", "mx1.rot.provider.example",
                                                     "mx3.rot.provider.example", "mx4.rot.provider.example"]),
                        "id": "new", "zone": "new",
                        "events": ["mx-added", "mx-leaving", "mx-removed"], "emails": 1,
                        "pending": ["mx3.rot.provider.example"]}},
        ],
    },
    {
        "id": "enforce_switch_while_a_move_is_in_flight_with_a_plain_txt",
        "why": "The owner (plain _mta-sts TXT) moves to a new provider; before updating the TXT "
               "as emailed, they switch to enforce. The switch is a new text and id: the email "
               "gives the record with the newest id (docs); the old host keeps its removal "
               "time (left at 1d: 9 Dec 2026, 12:00), since senders that fetched the testing "
               "copy may still deliver there; then removed with a new id and its record.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start",
             "expect": {"id": "new", "emails": 0}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "TXT in place",
             "expect": {"events": [], "emails": 0}},
            {"at": "1d", "dns": ["mx.newprov.example."], "do": "sync",
             "reason": "move: added, leaving, record in the same email",
             "expect": {"served": served("testing", ["mx.newprov.example", "mx1.example.org"]),
                        "id": "new", "events": ["mx-added", "mx-leaving", "record"], "emails": 1,
                        "email_says": ['TXT "v=STSv1; id={id};"'], "says": ["9 Dec 2026, 12:00"],
                        "pending": ["mx1.example.org"]}},
            {"at": "1d+10m", "do": "set_mode", "mode": "enforce",
             "reason": "enforce before the TXT was updated: newest id emailed; removal time kept",
             "expect": {"served": served("enforce", ["mx.newprov.example", "mx1.example.org"]),
                        "id": "new", "events": ["mode", "record"], "emails": 1,
                        "email_says": ["testing → enforce", 'TXT "v=STSv1; id={id};"'],
                        "pending": ["mx1.example.org"]}},
            {"at": "1d+15m", "do": "sync", "reason": "told already",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+1h", "sts": "current", "do": "sync", "reason": "updated",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "8d+5m", "do": "sync", "reason": "removal due: new id, record",
             "expect": {"served": served("enforce", ["mx.newprov.example"]), "id": "new",
                        "events": ["mx-removed", "record"], "emails": 1,
                        "email_says": ['TXT "v=STSv1; id={id};"'], "pending": []}},
        ],
    },
    {
        "id": "max_age_shortened_then_lengthened_then_stop",
        "zone": True,
        "why": "§5.1: a sender keeps a fetched policy for the max_age it had. Enforce with 30 "
               "days, lowered to a day at 1d (30-day copies live until 1 Jan 2027, 12:00), "
               "raised to 14 days at 2d, Stop hosting at 3d: mode none is served until the "
               "latest of those copies expires, 1 Jan 2027, 12:00, not 3d + 14 days; then "
               "released.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "2h", "do": "settings", "form": {"max_age": 2592000}, "reason": "30 days",
             "expect": {"served": served("enforce", ["mx1.example.org"], 2592000), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "1d", "do": "settings", "form": {"max_age": 86400}, "reason": "a day",
             "expect": {"served": served("enforce", ["mx1.example.org"], 86400), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0,
                        "page_says": ["until 1 Jan 2027, 12:00"]}},
            {"at": "2d", "do": "settings", "form": {"max_age": 1209600}, "reason": "14 days",
             "expect": {"served": served("enforce", ["mx1.example.org"], 1209600), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0,
                        "page_says": ["until 1 Jan 2027, 12:00"]}},
            {"at": "3d", "do": "disable", "reason": "stop: none until 1 Jan 2027, 12:00",
             "expect": {"served": served("none", ["mx1.example.org"], 1209600), "id": "new",
                        "zone": "new", "events": ["disabling"], "emails": 1,
                        "says": ["1 Jan 2027, 12:00"]}},
            {"at": "17d+1h", "do": "sync", "reason": "past stop + 14 days: still served",
             "expect": {"served": served("none", ["mx1.example.org"], 1209600), "id": "same",
                        "zone": "none", "events": [], "emails": 0}},
            {"at": "31d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"], "emails": 1}},
        ],
    },
    {
        "id": "mta_sts_record_deleted_while_hosted_then_restored",
        "zone": True,
        "why": "The owner deletes the _mta-sts CNAME while hosting is on (a zone clean-up). "
               "Senders holding the policy keep it until it expires, new senders get none "
               "(§3.1, §5.1). Told once, with the exact record to publish; the id still moves "
               "in our zone when the MX change (so the record, once back, names the current "
               "policy); restoring it tells nothing more.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new", "emails": 0}},
            {"at": "1h", "do": "sync", "reason": "in place", "expect": {"events": [], "emails": 0}},
            {"at": "1d", "sts": [], "do": "sync", "reason": "deleted: told once with the record",
             "expect": {"id": "same", "zone": "none", "events": ["record"], "emails": 1,
                        "email_says": ["_mta-sts.example.org", f"example.org.{OUR_ZONE}"]}},
            {"at": "1d+5m", "do": "sync", "reason": "not again",
             "expect": {"id": "same", "events": [], "emails": 0,
                        "page_says": [f"example.org.{OUR_ZONE}"]}},
            {"at": "2d", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "new MX: the id moves in our zone all the same",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "zone": "new", "events": ["mx-added"], "emails": 1}},
            {"at": "3d", "sts": "cname", "do": "sync", "reason": "restored: nothing to tell",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "owner_points_mta_sts_at_another_provider",
        "zone": True,
        "corrected": "written as certificate-watch steps told after two readings 12 hours "
                     "apart: nothing was told at all (the watch reads the other provider's "
                     "valid certificate, all well). Fixed in the MX sync, which already looks "
                     "up the owner's records every five minutes: where mta-sts leads is a DNS "
                     "answer like the _mta-sts record's, told at the first sync that sees it "
                     "leave us (a clean answer, not a reading of a certificate that may glitch). "
                     "The steps are now syncs, the cert readings kept to show they stay quiet.",
        "why": "The owner CNAMEs mta-sts.example.org to another provider's policy host, which "
               "has its own valid certificate for the name. Senders now fetch that provider's "
               "policy, not ours: our MX following reaches nobody, and a new MX missing from "
               "theirs is refused under enforce. Must not be read as all well: told once, "
               "with the record to publish (mta-sts.example.org CNAME <our policy host>); "
               "once more when it leads to us again.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "mta_sts": "ours",
             "do": "enable", "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "do": "sync", "reason": "ours: nothing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1h", "do": "cert", "cert": {"not_after": "80d"}, "reason": "ours, valid",
             "expect": {"events": [], "emails": 0}},
            {"at": "1d", "mta_sts": "elsewhere", "do": "sync",
             "reason": "elsewhere: told once with the record",
             "expect": {"id": "same", "zone": "none", "events": ["policy-host"], "emails": 1,
                        "email_says": ["mta-sts.example.org", OTHER_STS_HOST,
                                       "CNAME {policy_host}."]}},
            {"at": "1d+5m", "do": "sync", "reason": "not again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+1h", "do": "cert", "cert": {"not_after": "85d"},
             "reason": "the other provider's valid certificate: the watch tells nothing more",
             "expect": {"events": [], "emails": 0}},
            {"at": "2d", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "a new MX is followed as usual (not told elsewhere again)",
             "expect": {"id": "new", "zone": "new", "events": ["mx-added"], "emails": 1}},
            {"at": "3d", "mta_sts": "ours", "do": "sync", "reason": "ours again: told once",
             "expect": {"id": "same", "events": ["policy-host"], "emails": 1}},
        ],
    },
    {
        "id": "idn_domain_raw_utf8_mx_fixed_to_a_labels",
        "domain": IDN,
        "zone": True,
        "why": "An internationalised domain whose second MX was put in the zone as raw UTF-8 "
               "(a U-label, mäil.müller-bäckerei.de as octets): no policy can list it (§3.2 "
               "A-labels), told at Host MTA-STS; the owner fixes it to its A-label form: "
               "added with a new id, named both ways in the email; the raw name leaving "
               "says nothing (it was never listed).",
        "steps": [
            {"at": "0", "dns": [f"mx1.{IDN}.", f"m\\195\\164il.{IDN}."], "sts": "cname",
             "do": "enable", "reason": "hosted for mx1; the raw name told",
             "expect": {"served": served("testing", [f"mx1.{IDN}"]), "id": "new", "zone": "new",
                        "events": ["enabled", "mx-added"], "emails": 1,
                        "says": ["cannot be listed"]}},
            {"at": "1d", "dns": [f"mx1.{IDN}.", f"xn--mil-qla.{IDN}."], "do": "sync",
             "reason": "fixed: the A-label host added, named both ways",
             "expect": {"served": served("testing", [f"mx1.{IDN}", f"xn--mil-qla.{IDN}"]),
                        "id": "new", "zone": "new", "events": ["mx-added"], "emails": 1,
                        "says": [f"New MX xn--mil-qla.{IDN}"],
                        "email_says": [f"mäil.müller-bäckerei.de (xn--mil-qla.{IDN})"],
                        "pending": []}},
        ],
    },
    {
        "id": "dnssec_bogus_mx_answer_for_a_day",
        "zone": True,
        "why": "The owner's DNS provider breaks the signatures (or a DS left behind after a "
               "move): our validating resolver answers SERVFAIL with RFC 8914's extended error "
               "6, DNSSEC Bogus. Could not check: nothing changes; after a day one email "
               "(mx-failing) naming SERVFAIL and the extended error, and saying to check the "
               "DNSSEC; the first answer ends it, told once.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "dns": "bogus", "do": "sync", "reason": "first failure: nothing",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "1d+1h", "do": "sync", "reason": "a day: told once",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "same",
                        "zone": "none", "events": ["mx-failing"], "emails": 1,
                        "corrected": "said 'DNSSEC Bogus' (RFC 8914's name for code 6), "
                                     "the engine gave the bare code ('EDE 6: validation "
                                     "failure <...>'); checks/dns.py describe_failure now "
                                     "names every code, so the blind words stand",
                        "says": ["SERVFAIL", "EDE 6 (DNSSEC Bogus): validation failure"],
                        "email_says": ["DNSSEC validates"]}},
            {"at": "1d+2h", "do": "sync", "reason": "not again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+3h", "dns": ["mx1.example.org."], "do": "sync", "reason": "answers again",
             "expect": {"id": "same", "zone": "none", "events": ["mx-answering"], "emails": 1,
                        "says": ["answer again"]}},
        ],
    },
    {
        "id": "mx_set_grows_to_thirty_then_back_to_two",
        "zone": True,
        "why": "Two MX to thirty in one sync (a provider's pool): 28 added at once, one new id, "
               "one email; back to two: 28 leaving with the same id, one email; a week later "
               "28 removed, one new id, one email.",
        "steps": [
            {"at": "0", "dns": "first:2", "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", "first:2"), "id": "new", "zone": "new"}},
            {"at": "1d", "dns": "first:30", "do": "sync", "reason": "thirty",
             "expect": {"served": served("testing", "first:30"), "id": "new", "zone": "new",
                        "events": ["mx-added"] * 28, "emails": 1}},
            {"at": "2d", "dns": "first:2", "do": "sync", "reason": "back to two: leaving",
             "expect": {"served": served("testing", "first:30"), "id": "same", "zone": "none",
                        "events": ["mx-leaving"] * 28, "emails": 1, "says": ["10 Dec 2026, 12:00"],
                        "pending": thirty()}},
            {"at": "9d+5m", "do": "sync", "reason": "removed",
             "expect": {"served": served("testing", "first:2"), "id": "new", "zone": "new",
                        "events": ["mx-removed"] * 28, "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "zone_update_fails_while_a_new_mx_joins_under_enforce",
        "zone": True,
        "why": "Our policy zone refuses UPDATEs for a while (our outage) just as a new MX joins "
               "under enforce: the text is served at once, the id owed to the zone is retried "
               "at each sync and published when the zone answers; the page says the id is "
               "'not yet in our zone' meanwhile; one email for the sync that found the MX "
               "(docs: what one sync found is one email), nothing at each retry.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "zone_down": True, "dns": ["mx1.example.org.", "mx2.example.org."],
             "do": "sync", "reason": "new MX, the UPDATE fails",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "zone": "none", "emails": 1}},
            {"at": "1d+5m", "do": "sync", "reason": "retried, still failing: nothing emailed",
             "expect": {"id": "same", "zone": "none", "emails": 0,
                        "page_says": ["not yet in our zone"]}},
            {"at": "1d+10m", "do": "sync", "reason": "retried, still failing: nothing emailed",
             "expect": {"id": "same", "zone": "none", "emails": 0}},
            {"at": "1d+15m", "zone_down": False, "do": "sync", "reason": "the zone answers: published",
             "expect": {"id": "same", "zone": "new", "events": [], "emails": 0,
                        "page_not_says": ["not yet in our zone"]}},
        ],
    },
    {
        "id": "mx_is_the_domain_itself_then_implicit",
        "zone": True,
        "why": "A small domain whose MX names the domain itself (MX 10 example.org.): listed "
               "as 'mx: example.org'. The owner deletes the MX record, the domain keeps its "
               "address: RFC 5321 §5.1's implicit MX is the same host, so nothing changes for "
               "senders: no event, no email, same id. The address goes too: no mail host, the "
               "last good policy kept, told once; the MX back: told once.",
        "steps": [
            {"at": "0", "dns": ["example.org."], "apex": ["192.0.2.10"], "sts": "cname",
             "do": "enable", "reason": "start",
             "expect": {"served": served("testing", ["example.org"]), "id": "new", "zone": "new",
                        "emails": 0}},
            {"at": "1d", "dns": "nodata", "do": "sync", "reason": "implicit MX, same host: nothing",
             "expect": {"served": served("testing", ["example.org"]), "id": "same", "zone": "none",
                        "events": [], "emails": 0, "pending": []}},
            {"at": "2d", "apex": [], "do": "sync", "reason": "no address either: told once",
             "expect": {"served": served("testing", ["example.org"]), "id": "same", "zone": "none",
                        "events": ["mx-unusable"], "emails": 1, "pending": []}},
            {"at": "3d", "dns": ["example.org."], "apex": ["192.0.2.10"], "do": "sync",
             "reason": "MX back: told once",
             "expect": {"served": served("testing", ["example.org"]), "id": "same", "zone": "none",
                        "events": ["mx-recovered"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "stop_keep_stop_again_in_enforce",
        "zone": True,
        "why": "Stop hosting from enforce (none until 9 Dec 2026, 12:00), Keep hosting a day "
               "later (enforce again, new id, everyone emailed), Stop again at 3d: mode none "
               "until 3d + a week, 11 Dec 2026, 12:00; the first stop's date passes without a "
               "release, which comes on the second's.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["9 Dec 2026, 12:00"]}},
            {"at": "2d", "do": "enable", "reason": "Keep hosting: enforce again",
             "expect": {"served": served("enforce", ["mx1.example.org"]), "id": "new",
                        "zone": "new", "events": ["resumed"], "emails": 1}},
            {"at": "3d", "do": "disable", "reason": "stop again",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["11 Dec 2026, 12:00"]}},
            {"at": "8d+5m", "do": "sync", "reason": "the first stop's date: not released",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "same",
                        "zone": "none", "events": [], "emails": 0}},
            {"at": "10d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"], "emails": 1}},
        ],
    },
    {
        "id": "two_teams_share_one_mx_set",
        "zone": True,
        "why": "alice's example.org and charlie's example.net both use mx1/mx2.shared.example. "
               "Each policy is its own: a new MX of example.org changes nothing of "
               "example.net's (text, id, zone, emails), and mx1 leaving example.net's MX "
               "leaves only its policy, told to charlie's team only.",
        "steps": [
            {"at": "0", "dns": ["mx1.shared.example.", "mx2.shared.example."], "sts": "cname",
             "do": "enable", "reason": "alice hosts",
             "expect": {"id": "new", "zone": "new", "emails": 0, "emails_charlie": 0}},
            {"at": "5m", "on": "example.net", "dns": ["mx1.shared.example.", "mx2.shared.example."],
             "sts": "cname", "do": "enable", "reason": "charlie hosts",
             "expect": {"served": served("testing", ["mx1.shared.example", "mx2.shared.example"]),
                        "id": "new", "zone": "new", "emails": 0, "emails_charlie": 0}},
            {"at": "1d", "dns": ["mx1.shared.example.", "mx2.shared.example.", "mx3.shared.example."],
             "do": "sync", "reason": "example.org adds mx3",
             "expect": {"served": served("testing", ["mx1.shared.example", "mx2.shared.example",
                                                     "mx3.shared.example"]),
                        "id": "new", "zone": "new", "events": ["mx-added"], "emails": 1,
                        "emails_charlie": 0}},
            {"at": "1d+5m", "on": "example.net", "do": "sync", "reason": "example.net: nothing",
             "expect": {"served": served("testing", ["mx1.shared.example", "mx2.shared.example"]),
                        "id": "same", "zone": "none", "events": [], "emails": 0, "emails_charlie": 0}},
            {"at": "2d", "on": "example.net", "dns": ["mx2.shared.example."], "do": "sync",
             "reason": "example.net drops mx1: charlie told",
             "expect": {"id": "same", "zone": "none", "events": ["mx-leaving"], "emails": 0,
                        "emails_charlie": 1, "pending": ["mx1.shared.example"]}},
            {"at": "2d+5m", "do": "sync", "reason": "example.org: nothing leaves",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0,
                        "emails_charlie": 0, "pending": []}},
            {"at": "9d+5m", "on": "example.net", "do": "sync", "reason": "example.net: mx1 removed",
             "expect": {"served": served("testing", ["mx2.shared.example"]), "id": "new",
                        "zone": "new", "events": ["mx-removed"], "emails": 0, "emails_charlie": 1}},
            {"at": "9d+10m", "do": "sync", "reason": "example.org unchanged",
             "expect": {"served": served("testing", ["mx1.shared.example", "mx2.shared.example",
                                                     "mx3.shared.example"]),
                        "id": "same", "zone": "none", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "certificate_not_renewed_then_expires_then_renewed",
        "why": "The certificate of mta-sts.example.org (until 30 Jan 2027, 13:00) is not renewed: "
               "told at 21 days left and again at 7 (once each), then when it has expired and "
               "two readings 12 hours apart saw it (once), and once when a renewed one is "
               "read. Our policy is served all along (the HTTP answer behind the TLS front "
               "end does not change, nor does the id).",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start",
             "expect": {"id": "new"}},
            {"at": "1h", "do": "cert", "cert": {"not_after": "60d+1h"}, "reason": "60 days",
             "expect": {"events": [], "emails": 0}},
            {"at": "40d", "do": "cert", "cert": {"not_after": "60d+1h"}, "reason": "20 days: told",
             "expect": {"events": ["cert"], "emails": 1, "says": ["expires in 20 days"]}},
            {"at": "41d", "do": "cert", "cert": {"not_after": "60d+1h"}, "reason": "19: not again",
             "expect": {"events": [], "emails": 0}},
            {"at": "53d+12h", "do": "cert", "cert": {"not_after": "60d+1h"}, "reason": "6 days: told",
             "expect": {"events": ["cert"], "emails": 1, "says": ["expires in 6 days"]}},
            {"at": "60d+2h", "do": "cert",
             "cert": {"not_after": "60d+1h", "error": "certificate has expired"},
             "reason": "expired, first reading: not yet told; still served",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "same",
                        "events": [], "emails": 0}},
            {"at": "60d+14h", "do": "cert",
             "cert": {"not_after": "60d+1h", "error": "certificate has expired"},
             "reason": "expired, second reading: told once",
             "expect": {"served": served("testing", ["mx1.example.org"]), "events": ["cert"],
                        "emails": 1, "says": ["certificate has expired"]}},
            {"at": "61d+2h", "do": "cert",
             "cert": {"not_after": "60d+1h", "error": "certificate has expired"},
             "reason": "not again", "expect": {"events": [], "emails": 0}},
            {"at": "62d", "do": "cert", "cert": {"not_after": "152d"}, "reason": "renewed: told once",
             "expect": {"events": ["cert"], "emails": 1, "says": ["valid certificate again"]}},
        ],
    },
    {
        "id": "mta_sts_cname_into_another_providers_zone",
        "zone": True,
        "why": "The owner CNAMEs _mta-sts.example.org into their former provider's zone, which "
               "still holds that provider's record (id=theirs1): senders see that id, never "
               "ours, and no id change of ours reaches them. Told once with the exact record "
               "to publish: the CNAME into our zone (a TXT beside a CNAME is no record one can "
               "publish).",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "sts": "other_provider", "do": "sync", "reason": "told with our CNAME",
             "expect": {"id": "same", "zone": "none", "events": ["record"], "emails": 1,
                        "email_says": [f"example.org.{OUR_ZONE}"]}},
            {"at": "1d+5m", "do": "sync", "reason": "not again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "2d", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "new MX: new id in our zone, no TXT advice",
             "expect": {"id": "new", "zone": "new", "emails": 1,
                        "email_not_says": ['_mta-sts.example.org TXT "v=STSv1']}},
        ],
    },
    {
        "id": "txt_lookup_fails_in_the_sync_that_adds_an_mx",
        "why": "Plain TXT owner. The sync that finds a new MX cannot look up _mta-sts "
               "(SERVFAIL): docs say the record to publish is told in that sync's email all "
               "the same (by the state last stored), and not again while the lookup fails.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start",
             "expect": {"id": "new"}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "in place",
             "expect": {"events": [], "emails": 0}},
            {"at": "1d", "sts": "servfail", "dns": ["mx1.example.org.", "mx2.example.org."],
             "do": "sync", "reason": "new MX, TXT lookup fails: record told",
             "expect": {"id": "new", "events": ["mx-added", "record"], "emails": 1,
                        "email_says": ['TXT "v=STSv1; id={id};"']}},
            {"at": "1d+5m", "do": "sync", "reason": "still failing: nothing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+1h", "sts": "current", "do": "sync", "reason": "updated: nothing",
             "expect": {"id": "same", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "alias_mx_beside_its_own_target",
        "zone": True,
        "why": "MX 10 mx1.example.org and MX 20 mail.example.org, the latter a CNAME to mx1: "
               "both listed by their MX names (§4.1), the alias told once. The owner removes "
               "the alias MX: it leaves for max_age (not told as an alias again), then "
               "removed with a new id.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org.", "mail.example.org."],
             "aliases": {"mail.example.org.": ["mx1.example.org."]}, "sts": "cname",
             "do": "enable", "reason": "start",
             "expect": {"served": served("testing", ["mail.example.org", "mx1.example.org"]),
                        "id": "new", "zone": "new", "events": ["enabled", "mx-alias"],
                        "emails": 1, "says": ["alias (CNAME) for mx1.example.org"]}},
            {"at": "1d", "dns": ["mx1.example.org."], "do": "sync", "reason": "alias MX removed",
             "expect": {"served": served("testing", ["mail.example.org", "mx1.example.org"]),
                        "id": "same", "zone": "none", "events": ["mx-leaving"], "emails": 1,
                        "pending": ["mail.example.org"]}},
            {"at": "8d+5m", "do": "sync", "reason": "removed",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "new",
                        "zone": "new", "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "wildcard_keeps_the_policy_valid_when_mx_moves_to_an_ip_literal",
        "zone": True,
        "why": "Docs keep the last host a testing/enforce policy can name past its removal "
               "time, but here the owner's wildcard is a valid mx line of its own: when the MX "
               "moves to an IP literal (told: cannot be listed) the departed host is removed "
               "on time, the wildcard staying.",
        "steps": [
            {"at": "0", "dns": ["a.mx.provider.example."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "do": "settings", "form": {"extra": "*.mx.provider.example"},
             "reason": "wildcard",
             "expect": {"served": served("testing", ["*.mx.provider.example", "a.mx.provider.example"]),
                        "id": "new", "zone": "new"}},
            {"at": "1d", "dns": ["192.0.2.25."], "do": "sync", "reason": "IP literal: told, a leaving",
             "expect": {"id": "same", "zone": "none", "events": ["mx-added", "mx-leaving"],
                        "emails": 1, "says": ["192.0.2.25 cannot be listed"],
                        "pending": ["a.mx.provider.example"]}},
            {"at": "8d+5m", "do": "sync", "reason": "removed on time",
             "expect": {"served": served("testing", ["*.mx.provider.example"]), "id": "new",
                        "zone": "new", "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
]
# fmt: on


@dataclass(frozen=True)
class FailingZone(s25.StandInZone):
    """s25's stand-in zone, which refuses UPDATEs while down[0] is set."""

    down: list[bool] = field(default_factory=lambda: [False])

    def publish(self, domain: str, policy_id: str) -> None:
        if self.down[0]:
            raise ZoneError("UPDATE to 127.0.0.1:9 failed: REFUSED")
        super().publish(domain, policy_id)


def handler(states: dict[str, dict[str, Any]], zone: s25.StandInZone | None) -> Any:
    """s25's server for each name of `states`, plus: an extended DNS error with a SERVFAIL
    ("bogus"), the domain's own address beside MX records (state["apex"]), where mta-sts.<name>
    leads (state["mta_sts"]), a failing `_mta-sts` lookup and a CNAME into another provider's
    zone, and our policy host's address."""
    bases = {apex: s25.handler(state, apex, zone) for apex, state in states.items()}
    first = next(iter(bases.values()))
    policy_host = f"{settings.MAILSEC_POLICY_HOST}."

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        if name == policy_host:
            if rdtype != "A":
                return Reply(answer(query))
            return Reply(answer(query, records(f"{policy_host} 300 A 192.0.2.80")))
        if name == f"{OTHER_STS_HOST}.":
            if rdtype != "A":
                return Reply(answer(query))
            return Reply(answer(query, records(f"{OTHER_STS_HOST}. 300 A 198.51.100.8")))
        for apex, state in states.items():
            mx = state["mx"]
            soa = records(f"{apex}. 300 SOA ns.{apex}. hostmaster.{apex}. 1 7200 900 1209600 300")
            if name == f"{apex}.":
                if mx == "bogus":
                    return Reply(
                        answer(
                            query,
                            rcode=dns.rcode.SERVFAIL,
                            ede=(6, f"validation failure <{apex}. MX>: signature expired"),
                        )
                    )
                addresses = state.get("apex", [])
                if rdtype in ("A", "AAAA") and mx not in FAILURES:
                    found = [a for a in addresses if (":" in a) == (rdtype == "AAAA")]
                    if not found:
                        return Reply(answer(query, authority=(soa,)))
                    return Reply(
                        answer(query, s25.rrset_of([f"{apex}. 300 {rdtype} {a}" for a in found]))
                    )
                return bases[apex](query, transport)
            if name == f"mta-sts.{apex}." and "mta_sts" in state:
                target = policy_host if state["mta_sts"] == "ours" else f"{OTHER_STS_HOST}."
                if rdtype != "A":
                    return Reply(answer(query, records(f"{name} 300 CNAME {target}")))
                address = "192.0.2.80" if state["mta_sts"] == "ours" else "198.51.100.8"
                return Reply(
                    answer(
                        query,
                        records(f"{name} 300 CNAME {target}"),
                        records(f"{target} 300 A {address}"),
                    )
                )
            if name == f"_mta-sts.{apex}.":
                sts = state.get("sts")
                if sts == "servfail":
                    return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
                if sts == "other_provider":
                    theirs = f"{apex}.sts-zone.otherprov.example."
                    cname = records(f"{name} 300 CNAME {theirs}")
                    if rdtype != "TXT":
                        return Reply(answer(query, cname))
                    txt = records(f'{theirs} 300 TXT "v=STSv1; id=theirs1;"')
                    return Reply(answer(query, cname, txt))
                return bases[apex](query, transport)
            if name.endswith(f".{apex}."):
                return bases[apex](query, transport)
        return first(query, transport)

    return handle


class S26Histories(s25.S25Histories):
    states: dict[str, dict[str, Any]]

    def charlies_net(self) -> Domain:
        domain, _ = Domain.objects.get_or_create(
            team=self.charlies_team, name="example.net", defaults={"verified_at": T0}
        )
        return domain

    def play(self, case: dict[str, Any]) -> None:
        self.apex = case.get("domain", "example.org")
        if self.apex != "example.org":
            self.domain = Domain.objects.create(team=self.team, name=self.apex, verified_at=T0)
        self.zone = (
            FailingZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
            if case.get("zone")
            else None
        )
        self.states = {self.apex: {"mx": []}}
        if any(step.get("on") for step in case["steps"]):
            self.states["example.net"] = {"mx": []}
        ids: list[str] = []
        own = (self.apex, self.domain)

        def make_handler(state: dict[str, Any]) -> Any:
            return handler(self.states, self.zone)

        with (
            s18.wire(self.states[self.apex], make_handler),
            mock.patch.object(lookups, "sts_record", s25.REAL_STS_RECORD),
            mock.patch.object(PolicyZone, "from_settings", lambda: self.zone),
        ):
            for n, step in enumerate(case["steps"]):
                where = f"{case['id']} step {n} (+{step['at']} {step['do']})"
                on = step.get("on")
                if on:
                    self.apex, self.domain = on, self.charlies_net()
                try:
                    self.play_step26(step, self.states[self.apex], ids, where)
                finally:
                    self.apex, self.domain = own

    def play_step26(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        for key in ("apex", "mta_sts"):
            if key in step:
                state[key] = step[key]
        if "zone_down" in step:
            assert isinstance(self.zone, FailingZone)
            self.zone.down[0] = step["zone_down"]
        expect = step["expect"]
        filled = {
            key: [t.replace("{policy_host}", settings.MAILSEC_POLICY_HOST) for t in expect[key]]
            for key in ("email_says", "says")
            if key in expect
        }
        step = step | {"expect": expect | filled}
        if step["do"] == "cert":
            at = T0 + s12.offset(step["at"])
            cert = step["cert"]
            reading = service.CertReading(T0 + s12.offset(cert["not_after"]), cert.get("error", ""))

            def watch(domain: Domain, now: Any = None) -> Any:
                policy = self.policy()
                assert policy is not None, f"{where}: no policy to watch"
                with mock.patch.object(service, "read_certificate", return_value=reading):
                    service.watch_certificate(policy, now=at)
                return None, []

            with mock.patch.object(service, "enable_told", watch):
                self.play_step(step | {"do": "enable"}, state, ids, where)
            return
        self.play_step(step, state, ids, where)


s12.add_round_tests(S26Histories, CASES, earlier=s25.S25Histories)


def test_the_round_has_what_the_brief_asks() -> None:
    assert 16 <= len(CASES) <= 20
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert timedelta(0) == s12.offset("0")
