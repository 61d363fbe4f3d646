"""Blind round 4 on hosted MTA-STS (s25h): what an admin or an MSP lives through while the
policy follows the MX, written down (and committed) with what RFC 8461, RFC 7505 / RFC 5321 §5.1
and docs/hosting.md say must happen before any of it was run, played through the real service
functions with the s12/s18/s24 harness (MX answers from a wire DNS server through the engine's
resolver, the body senders get, ids never reused, events, emails).

Beyond round 24 this round also watches:

* our policy zone: a stand-in `PolicyZone` records every UPDATE, so a step says whether the
  `_mta-sts` TXT id we publish changed (`zone`: "new", exactly one UPDATE naming the new id;
  "none"; "withdrawn"); the customer's `_mta-sts` CNAME leads there on the wire;
* a plain `_mta-sts` TXT the owner keeps by hand (`sts`: "current" is the owner publishing the
  id the policy has at that moment, before the step runs; "old_and_current" adds it beside the
  record already there; a list is the TXT values), through
  the real `lookups.sts_record`;
* what the emails say (`email_says`, `email_not_says`, `subject_says`; "{id}" is the policy id
  after the step) and what the hosting page and the domain page say (`page_says`,
  `page_not_says`, `page_count`: how many times, as What happened repeats a notice's words
  in its event; `domain_page_says`; `page_as`: "charlie" reads charlie's pages);
* another name than example.org (`domain`, an IDN in A-labels), and `look` steps that do
  nothing but look.

Times are offsets from T0 = 1 Dec 2026, 12:00 UTC; default max_age 604800, mode testing.

Results (the 17 histories were committed in 73d642d before any ran): 10 ran as written. Two
found product defects, fixed with this round: a null MX beside real MX records was never told
(null_mx_beside_real_mx) and the hosting page of a team that lost the domain to another team's
proof said only "Verify example.org first" (domain_loses_verification_while_enforced); each
fails without its fix. Six expectations were wrong and are corrected, each with a `corrected`
note saying why (a missing _mta-sts record the product rightly told, notices whose words What
happened rightly repeats, a date miscounted by a day, an event of a policy deleted when handed
over), and `page_as` on a step was not read (harness fixed). Second batch (2, committed in
41dfe50 before they ran): null_mx_beside_flaps_between_name_servers found that the first fix
emailed every change of a null MX flapping beside the same hosts (it was no change of the MX
answer for the flap rule), fixed, and one step's expectation counted the returns wrong
(corrected); plain_txt_owner_adds_the_new_record_beside_the_old ran as written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.core import mail
from django.urls import reverse

from mailsec.domains.models import Domain
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests import test_hosting_s24_blind as s24
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_hosting import POLICY_URL, T0

REAL_STS_RECORD = lookups.sts_record
OUR_ZONE = "policy.mailsec.example"
IDN = "xn--mller-bckerei-hfb76a.de"


def served(mode: str, mx: list[str], max_age: int = 604800) -> dict[str, Any]:
    return {"mode": mode, "mx": mx, "max_age": max_age}


# fmt: off
CASES: list[dict[str, Any]] = [
    {
        "id": "provider_move_in_two_steps_under_enforce",
        "zone": True,
        "why": "An admin moves mail to a new provider the careful way: the new MX added beside "
               "the old (both take mail for a while), later the old removed. §5: a new MX joins "
               "at once with a new id (published in our zone at once); the old hosts stay "
               "listed for max_age after they left (senders holding the policy still deliver "
               "to them) with the id unchanged; then they go with a new id. One email per sync.",
        "steps": [
            {"at": "0", "dns": ["mx1.oldprov.example.", "mx2.oldprov.example."], "sts": "cname",
             "do": "enable", "reason": "start: testing, both old hosts",
             "expect": {"served": served("testing", ["mx1.oldprov.example", "mx2.oldprov.example"]),
                        "id": "new", "zone": "new", "emails": 0}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce: new id, in the zone",
             "expect": {"served": served("enforce", ["mx1.oldprov.example", "mx2.oldprov.example"]),
                        "id": "new", "zone": "new", "events": ["mode"], "emails": 0}},
            {"at": "1d", "dns": ["mx1.oldprov.example.", "mx2.oldprov.example.",
                                 "mx1.newprov.example.", "mx2.newprov.example."],
             "do": "sync", "reason": "step 1: new hosts beside the old, at once, one email",
             "expect": {"served": served("enforce", ["mx1.newprov.example", "mx1.oldprov.example",
                                                     "mx2.newprov.example", "mx2.oldprov.example"]),
                        "id": "new", "zone": "new", "events": ["mx-added", "mx-added"], "emails": 1,
                        "email_says": ["New MX mx1.newprov.example", "New MX mx2.newprov.example"]}},
            {"at": "1d+5m", "do": "sync", "reason": "same answer: nothing",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "3d", "dns": ["mx1.newprov.example.", "mx2.newprov.example."], "do": "sync",
             "reason": "step 2: old hosts removed from DNS: leaving until 3d + a week, same id",
             "expect": {"served": served("enforce", ["mx1.newprov.example", "mx1.oldprov.example",
                                                     "mx2.newprov.example", "mx2.oldprov.example"]),
                        "id": "same", "zone": "none", "events": ["mx-leaving", "mx-leaving"],
                        "emails": 1, "says": ["11 Dec 2026, 12:00"],
                        "pending": ["mx1.oldprov.example", "mx2.oldprov.example"],
                        "page_says": ["Leaving the policy", "mx1.oldprov.example after 11 Dec 2026, 12:00"]}},
            {"at": "9d+23h", "do": "sync", "reason": "not yet due",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "10d+5m", "do": "sync", "reason": "due: both removed, new id, one email",
             "expect": {"served": served("enforce", ["mx1.newprov.example", "mx2.newprov.example"]),
                        "id": "new", "zone": "new", "events": ["mx-removed", "mx-removed"],
                        "emails": 1, "pending": [], "page_not_says": ["Leaving the policy"]}},
        ],
    },
    {
        "id": "provider_move_in_two_steps_under_testing_with_a_plain_txt",
        "why": "The same move in testing, by an owner who keeps a plain _mta-sts TXT (no zone): "
               "docs say a sync that changes the policy says so in the same email with the exact "
               "record to publish (the new id), not one sync later; the next sync finding the "
               "old id does not tell it again; a departure (no text change) gives no record.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start",
             "expect": {"id": "new", "emails": 0}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "the owner published the id: nothing to tell",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d", "dns": ["mx1.example.org.", "mx.newprov.example."], "do": "sync",
             "reason": "new MX: new id, and the record to publish in the same email",
             "expect": {"served": served("testing", ["mx.newprov.example", "mx1.example.org"]),
                        "id": "new", "events": ["mx-added", "record"], "emails": 1,
                        "email_says": ["New MX mx.newprov.example", 'TXT "v=STSv1; id={id};"']}},
            {"at": "1d+5m", "do": "sync", "reason": "the TXT still names the old id: told already",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+1h", "sts": "current", "do": "sync", "reason": "the owner updated it: nothing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "2d", "dns": ["mx.newprov.example."], "do": "sync",
             "reason": "mx1 leaves: same text, same id, no record to publish",
             "expect": {"id": "same", "events": ["mx-leaving"], "emails": 1,
                        "email_not_says": ["v=STSv1"], "pending": ["mx1.example.org"]}},
            {"at": "9d+5m", "do": "sync", "reason": "removal due: new id, with its record",
             "expect": {"served": served("testing", ["mx.newprov.example"]), "id": "new",
                        "events": ["mx-removed", "record"], "emails": 1,
                        "email_says": ['TXT "v=STSv1; id={id};"']}},
            {"at": "9d+10m", "do": "sync", "reason": "not updated yet: not told again",
             "expect": {"id": "same", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "dns_provider_migration_servfail_nxdomain_empty_then_back",
        "zone": True,
        "why": "The owner moves the zone to another DNS provider under enforce: for a few hours "
               "lookups fail (SERVFAIL, timeout), then the new provider answers NXDOMAIN, then "
               "an empty zone (no MX, no address), then MX records with mx2 forgotten, then "
               "fixed. Docs: could not check changes nothing; NXDOMAIN / no mail host keep the "
               "last good policy, told once however the bad answer changes; back told once "
               "with what it changes; the forgotten host leaves for max_age and is back. The "
               "served policy is never without its MX, the id never moves.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org.", "mx2.example.org."], "sts": "cname",
             "do": "enable", "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "10m", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": "servfail", "do": "sync", "reason": "could not check: nothing",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": [], "emails": 0, "pending": []}},
            {"at": "1d+2h", "dns": "timeout", "do": "sync", "reason": "could not check: nothing",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0, "pending": []}},
            {"at": "1d+3h", "dns": "nxdomain", "do": "sync",
             "reason": "NXDOMAIN: last good policy kept, told once",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": ["mx-unusable"], "emails": 1,
                        "says": ["NXDOMAIN"], "pending": []}},
            {"at": "1d+3h+5m", "dns": "nxdomain", "do": "sync", "reason": "not told again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+4h", "dns": "nodata", "do": "sync",
             "reason": "the new zone exists but is empty: still no mail host, not told again",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": [], "emails": 0, "pending": []}},
            {"at": "1d+5h", "dns": ["mx1.example.org."], "do": "sync",
             "reason": "MX back without mx2: recovered and mx2 leaving (until 9 Dec 2026, 17:00), one email",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": ["mx-recovered", "mx-leaving"],
                        "emails": 1, "says": ["9 Dec 2026, 17:00"], "pending": ["mx2.example.org"]}},
            {"at": "1d+6h", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "the owner puts mx2 back: back, removal cancelled",
             "expect": {"served": served("enforce", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": ["mx-back"], "emails": 1,
                        "pending": []}},
        ],
    },
    {
        "id": "host_mtasts_pressed_during_dns_trouble_then_keep_hosting",
        "why": "Host MTA-STS pressed while the MX cannot be looked up, while the domain answers "
               "NXDOMAIN, and while it has neither MX nor address: each refused with its reason, "
               "nothing served. Then hosted; Stop hosting; Keep hosting pressed while lookups "
               "fail is refused (could not look up, the wind-down goes on); once they answer it "
               "resumes with the new MX.",
        "steps": [
            {"at": "0", "dns": "servfail", "do": "enable", "reason": "could not look up",
             "expect": {"refused": "Could not look up the MX records", "served": "404",
                        "events": [], "emails": 0}},
            {"at": "5m", "dns": "nxdomain", "do": "enable", "reason": "does not exist",
             "expect": {"refused": "does not exist in DNS", "served": "404", "events": []}},
            {"at": "10m", "dns": "nodata", "do": "enable", "reason": "no MX, no address",
             "expect": {"refused": "no MX records and no address", "served": "404", "events": []}},
            {"at": "15m", "dns": ["mx1.example.org."], "do": "enable", "reason": "hosted",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "new",
                        "events": ["enabled"], "emails": 0}},
            {"at": "1d", "do": "disable", "reason": "mode none until 9 Dec 2026, 12:00",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new",
                        "events": ["disabling"], "emails": 1, "says": ["9 Dec 2026, 12:00"]}},
            {"at": "2d", "dns": "servfail", "do": "enable", "reason": "Keep hosting refused while lookups fail",
             "expect": {"refused": "Could not look up the MX records",
                        "served": served("none", ["mx1.example.org"]), "id": "same",
                        "events": [], "emails": 0}},
            {"at": "2d+5m", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "enable",
             "reason": "Keep hosting: testing again with mx2 added, one email",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "events": ["resumed", "mx-added"], "emails": 1,
                        "page_not_says": ["Turning off"]}},
        ],
    },
    {
        "id": "null_mx_beside_real_mx",
        "zone": True,
        "corrected": "zone and sts cname added after the run: without an _mta-sts record the "
                     "first sync rightly tells it missing, which this history is not about; "
                     "the page's notice is counted (page_count), since What happened lists the "
                     "step's own event in the same words.",
        "why": "RFC 7505 §3: a domain that publishes a null MX must publish no other MX. With "
               "real MX beside it, senders still deliver to the real hosts (the engine's MX-02 "
               "fails it, null_mx stays false), so the policy follows the real hosts and never "
               "lists '.': hosting starts, and a null MX appearing beside them changes no text "
               "and no id. But it is a mistake some senders may read as 'no mail here': the "
               "owner is told once when it appears (event and email, kind mx-null-mixed, "
               "naming RFC 7505), the hosting page says so while it lasts, and once when it "
               "is gone. A null MX alone is the usual unusable answer (last good policy kept).",
        "steps": [
            {"at": "0", "dns": [".", "mx1.example.org."], "sts": "cname", "do": "enable",
             "reason": "hosted for mx1; the null MX beside it told",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "new",
                        "events": ["enabled", "mx-null-mixed"], "emails": 1,
                        "says": ["null MX", "RFC 7505"],
                        "page_count": {"null MX (MX 0 .) beside": 2}}},
            {"at": "1h", "do": "sync", "reason": "same answer: not told again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d", "dns": ["mx1.example.org."], "do": "sync", "reason": "null MX removed: told once",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "same",
                        "events": ["mx-null-mixed"], "emails": 1, "says": ["no longer"],
                        "page_count": {"null MX (MX 0 .) beside": 1}}},
            {"at": "2d", "dns": [".", "mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "mx2 added and the null MX back beside: one email, new id (mx2)",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "events": ["mx-added", "mx-null-mixed"], "emails": 1}},
            {"at": "3d", "dns": "null", "do": "sync",
             "reason": "only the null MX: unusable, last good policy kept, told once",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "events": ["mx-unusable"], "emails": 1, "pending": []}},
            {"at": "4d", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "real MX back, no null: recovered, nothing about a null beside",
             "expect": {"id": "same", "events": ["mx-recovered"], "emails": 1,
                        "not_says": ["beside"]}},
        ],
    },
    {
        "id": "null_mx_beside_only_an_ip_literal",
        "why": "A null MX and an IP-literal MX: no host a policy can list (the null MX is no "
               "host): Host MTA-STS refused, naming the IP address; nothing served.",
        "steps": [
            {"at": "0", "dns": [".", "192.0.2.1."], "do": "enable", "reason": "refused",
             "expect": {"refused": "192.0.2.1: it is an IP address", "served": "404",
                        "events": [], "emails": 0}},
        ],
    },
    {
        "id": "ip_literal_and_alias_mx_fixed_one_by_one",
        "zone": True,
        "why": "An MX at an IP literal and one at an alias (CNAME): the policy lists only the "
               "alias name (§4.1), the IP literal is left out and told, the alias told once. "
               "The owner replaces the IP literal with a host name (added, new id; the literal "
               "leaving says nothing: it was never listed), then points the alias MX at its "
               "target (added, the alias name leaving for max_age, no alias warning on the "
               "page any more), removed a week later.",
        "steps": [
            {"at": "0", "dns": ["192.0.2.25.", "mail.example.org."],
             "aliases": {"mail.example.org.": ["host7.provider.example."]}, "sts": "cname",
             "do": "enable", "reason": "start",
             "expect": {"served": served("testing", ["mail.example.org"]), "id": "new", "zone": "new",
                        "events": ["enabled", "mx-added", "mx-alias"], "emails": 1,
                        "says": ["192.0.2.25 cannot be listed", "alias (CNAME) for host7.provider.example"],
                        "page_count": {"is an alias (CNAME) for host7.provider.example": 2}}},
            {"at": "1h", "do": "sync", "reason": "nothing new",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "1d", "dns": ["mx2.example.org.", "mail.example.org."], "do": "sync",
             "reason": "IP literal replaced: mx2 added, nothing said of the literal",
             "expect": {"served": served("testing", ["mail.example.org", "mx2.example.org"]),
                        "id": "new", "zone": "new", "events": ["mx-added"], "emails": 1,
                        "not_says": ["192.0.2.25"], "pending": []}},
            {"at": "2d", "dns": ["mx2.example.org.", "host7.provider.example."], "do": "sync",
             "reason": "alias MX pointed at its target: host7 added, mail.example.org leaving",
             "expect": {"served": served("testing", ["host7.provider.example", "mail.example.org",
                                                     "mx2.example.org"]),
                        "id": "new", "zone": "new", "events": ["mx-added", "mx-leaving"],
                        "emails": 1, "pending": ["mail.example.org"],
                        "corrected": "page_not_says 'is an alias (CNAME)' failed on What happened, "
                                     "which rightly keeps step 0's alias event: the notice is "
                                     "counted instead (the event alone: 1)",
                        "page_count": {"is an alias (CNAME) for host7.provider.example": 1}}},
            {"at": "9d+5m", "do": "sync", "reason": "removal due",
             "expect": {"served": served("testing", ["host7.provider.example", "mx2.example.org"]),
                        "id": "new", "zone": "new", "events": ["mx-removed"], "emails": 1}},
        ],
    },
    {
        "id": "mode_testing_enforce_none_testing_then_stop_with_a_plain_txt",
        "why": "Each mode change a new text and id (§3.1); with a plain TXT each is one email "
               "giving the exact record (docs), the next sync finding the old id says nothing "
               "more. Moving to none keeps serving (mx kept) and the page gives until when an "
               "earlier enforce copy may be applied (switch + its max_age, §5.1/§10). Stop "
               "hosting from testing: none until stop + max_age.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start",
             "expect": {"id": "new"}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "TXT in place", "expect": {"events": []}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce: the record emailed",
             "expect": {"served": served("enforce", ["mx1.example.org"]), "id": "new",
                        "events": ["mode", "record"], "emails": 1,
                        "email_says": ["testing → enforce", 'TXT "v=STSv1; id={id};"']}},
            {"at": "1h+5m", "do": "sync", "reason": "old id still published: told already",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "2h", "sts": "current", "do": "sync", "reason": "updated", "expect": {"events": [], "emails": 0}},
            {"at": "1d", "do": "settings", "form": {"mode": "none"},
             "reason": "none: served with mx, new id, record emailed; page: enforce copies until 9 Dec 2026, 12:00",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new",
                        "events": ["mode", "record"], "emails": 1, "email_says": ['id={id};'],
                        "page_says": ["earlier testing/enforce version of your policy until 9 Dec 2026, 12:00"]}},
            {"at": "1d+5m", "sts": "current", "do": "sync", "reason": "updated", "expect": {"events": [], "emails": 0}},
            {"at": "2d", "do": "settings", "form": {"mode": "testing"}, "reason": "testing again",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "new",
                        "events": ["mode", "record"], "emails": 1, "email_says": ['id={id};']}},
            {"at": "3d", "do": "disable", "reason": "stop: none until 3d + a week",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new",
                        "events": ["disabling", "record"], "emails": 1,
                        "says": ["11 Dec 2026, 12:00"], "email_says": ['id={id};']}},
        ],
    },
    {
        "id": "max_age_a_year_then_a_day_then_stop",
        "zone": True,
        "why": "max_age raised to the RFC's ceiling (31557600) under enforce, then lowered to a "
               "day: each change a new id in our zone, no email (the owner's own change, "
               "CNAME). Senders that fetched the year-long text keep it a year (§5.1): the page "
               "says until when, and Stop hosting serves none until then, not a day later.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new", "emails": 0}},
            {"at": "2h", "do": "settings", "form": {"max_age": 31557600}, "reason": "a year",
             "expect": {"served": served("enforce", ["mx1.example.org"], 31557600), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "1d", "do": "settings", "form": {"max_age": 86400},
             "reason": "a day; the year-long copies live until 1d + 31557600 s = 2 Dec 2027, 18:00",
             "expect": {"served": served("enforce", ["mx1.example.org"], 86400), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0,
                        "page_says": ["until 2 Dec 2027, 18:00"]}},
            {"at": "2d", "do": "disable", "reason": "none until 2 Dec 2027, 18:00",
             "expect": {"served": served("none", ["mx1.example.org"], 86400), "id": "new",
                        "zone": "new", "events": ["disabling"], "emails": 1,
                        "says": ["2 Dec 2027, 18:00"]}},
            {"at": "4d", "do": "sync", "reason": "a day after stop + max_age: still served",
             "expect": {"served": served("none", ["mx1.example.org"], 86400), "id": "same",
                        "zone": "none", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "domain_loses_verification_while_enforced",
        "zone": True,
        "corrected": "zone and sts cname added after the first run (which stopped at step 2), "
                     "for the reason the IDN case gives: charlie's sync would tell a missing "
                     "_mta-sts record",
        "why": "alice hosts in enforce; charlie's team proves control and alice's value is gone "
               "(the domain changed hands). webapp/hosting docs: alice's domain is no longer "
               "verified, her policy is served in mode none (new id) until her enforce copies "
               "expire (1d + a week), she is emailed once (control lost, with that date), and "
               "the policy is no longer on her pages: her hosting page says why it is not "
               "hosted (another team proved control), never charlie's policy once he hosts.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org.", "mx2.example.org."], "challenge": ["alice"],
             "sts": "cname", "do": "enable", "reason": "start", "expect": {"id": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce", "expect": {"id": "new"}},
            {"at": "1d", "challenge": ["charlie"], "do": "verify_other",
             "reason": "alice loses control: none until 9 Dec 2026, 12:00, emailed once",
             "expect": {"served": served("none", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "events": ["detached"], "emails": 1, "emails_charlie": 0,
                        "verified": False, "says": ["9 Dec 2026, 12:00"],
                        "email_says": ["9 Dec 2026, 12:00"],
                        "page_says": ["another team proved control"],
                        "domain_page_says": ["another team proved control"]}},
            {"at": "1d+1h", "do": "enable_other", "reason": "charlie hosts: testing, his live MX",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "new", "events": ["enabled"], "emails": 0, "emails_charlie": 0,
                        "page_not_says": ["{id}", "Stop hosting"]}},
            {"at": "1d+2h", "do": "look", "page_as": "charlie", "reason": "charlie's page shows his policy",
             "expect": {"page_says": ["{id}", "Stop hosting"]}},
            {"at": "2d", "dns": ["mx1.example.org."], "do": "sync", "reason": "charlie's team hears, alice not",
             "expect": {"id": "same", "events": ["mx-leaving"], "emails": 0, "emails_charlie": 1}},
        ],
    },
    {
        "id": "two_teams_claim_the_domain_while_the_first_hosts",
        "why": "An MSP (alice) hosts; the customer's own team (charlie) adds and verifies the "
               "domain while the MSP's value is still published: both verified, hosting stays "
               "with alice, nobody emailed. charlie's Host MTA-STS is refused while alice's "
               "value is there, and when the challenge lookup fails it says it could not look "
               "(no verdict). Once alice's value is gone, charlie's press ends alice's hosting "
               "safely and takes over at once (alice told once, charlie's click emails nobody).",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "challenge": ["alice"], "do": "enable",
             "reason": "start", "expect": {"id": "new"}},
            {"at": "1h", "challenge": ["alice", "charlie"], "do": "verify_other",
             "reason": "both verified, nothing changes",
             "expect": {"id": "same", "events": [], "emails": 0, "emails_charlie": 0, "verified": True}},
            {"at": "2h", "do": "enable_other", "reason": "refused: alice still proves control",
             "expect": {"refused": "still proves control", "served": served("testing", ["mx1.example.org"]),
                        "id": "same", "events": [], "emails": 0, "verified": True}},
            {"at": "3h", "challenge": "servfail", "do": "enable_other",
             "reason": "refused: could not look up, no verdict",
             "expect": {"refused": "could not look up whether it still proves control",
                        "id": "same", "events": [], "emails": 0, "verified": True}},
            {"at": "4h", "challenge": ["charlie"], "do": "enable_other",
             "reason": "alice's value gone: her policy detached, charlie's takes over at once",
             "corrected": "events were ['detached', 'enabled']: the detached policy is handed over "
                          "in the same press and deleted with its events; no page or email could "
                          "show that event (detached: no team), alice is told by the control-lost "
                          "email (emails 1)",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "new",
                        "events": ["enabled"], "emails": 1, "emails_charlie": 0,
                        "verified": False}},
            {"at": "4h+5m", "do": "look", "page_as": "charlie", "reason": "charlie's page",
             "expect": {"page_says": ["{id}"]}},
        ],
    },
    {
        "id": "idn_domain_with_upper_case_mx_names",
        "domain": IDN,
        "zone": True,
        "corrected": "zone and sts cname added after the run: without an _mta-sts record the "
                     "first sync rightly told it missing ('record'), which this history is not "
                     "about",
        "why": "An internationalised domain (müller-bäckerei.de, hosted under its A-labels, "
               "§3.2). MX names published in capitals are listed once in lower case; an answer "
               "that differs only in case is no change (§4.1). The owner's wildcard typed in "
               "capitals is stored lower case; a new host under it is 'already covered'. "
               "Emails name the domain as its owner knows it (U-labels) in the subject.",
        "steps": [
            {"at": "0", "dns": ["MX1.XN--MLLER-BCKEREI-HFB76A.DE.", "Mx2.Mail-Provider.EXAMPLE."],
             "sts": "cname", "do": "enable", "reason": "start: lower case",
             "expect": {"served": served("testing", [f"mx1.{IDN}", "mx2.mail-provider.example"]),
                        "id": "new", "emails": 0, "page_says": ["müller-bäckerei.de"]}},
            {"at": "1h", "dns": [f"mx1.{IDN}.", "MX2.MAIL-PROVIDER.EXAMPLE."], "do": "sync",
             "reason": "case only: nothing", "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d", "dns": [f"mx1.{IDN}.", "MX2.MAIL-PROVIDER.EXAMPLE.", "MX3.XN--MLLER-BCKEREI-HFB76A.DE."],
             "do": "sync", "reason": "new MX, lower case, subject in U-labels",
             "expect": {"served": served("testing", [f"mx1.{IDN}", "mx2.mail-provider.example", f"mx3.{IDN}"]),
                        "id": "new", "events": ["mx-added"], "emails": 1,
                        "says": [f"New MX mx3.{IDN}"], "subject_says": ["müller-bäckerei.de"]}},
            {"at": "1d+1h", "do": "settings", "form": {"extra": "*.MAIL-PROVIDER.EXAMPLE"},
             "reason": "wildcard stored lower case: new text",
             "expect": {"served": served("testing", ["*.mail-provider.example", f"mx1.{IDN}",
                                                     "mx2.mail-provider.example", f"mx3.{IDN}"]),
                        "id": "new", "events": ["settings"], "emails": 0}},
            {"at": "2d", "dns": [f"mx1.{IDN}.", "MX2.MAIL-PROVIDER.EXAMPLE.", f"mx3.{IDN}.",
                                 "MX9.MAIL-PROVIDER.EXAMPLE."],
             "do": "sync", "reason": "covered by the wildcard: said so; its own line added",
             "expect": {"served": served("testing", ["*.mail-provider.example", f"mx1.{IDN}",
                                                     "mx2.mail-provider.example", f"mx3.{IDN}",
                                                     "mx9.mail-provider.example"]),
                        "id": "new", "events": ["mx-added"], "emails": 1, "says": ["already covered"]}},
        ],
    },
    {
        "id": "name_servers_disagree_during_a_dns_provider_move_under_enforce",
        "zone": True,
        "why": "During an NS change resolvers ask the old provider (old MX) and the new one "
               "(new MX) in turn. Docs: the first change and the first return told as they "
               "happen, the second return is a flap (one mx-flapping email), then changes are "
               "recorded only; the union stays listed with one id (one UPDATE in our zone); "
               "after 12 hours of one answer, mx-stable says when the old host leaves; it goes "
               "a week after it last left, with a new id.",
        "steps": [
            {"at": "0", "dns": ["mx1.oldns.example."], "sts": "cname", "do": "enable",
             "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "dns": ["mx1.newns.example."], "do": "sync", "reason": "new answer: told",
             "expect": {"served": served("enforce", ["mx1.newns.example", "mx1.oldns.example"]),
                        "id": "new", "zone": "new", "events": ["mx-added", "mx-leaving"], "emails": 1}},
            {"at": "1h+5m", "dns": ["mx1.oldns.example."], "do": "sync", "reason": "first return: told",
             "expect": {"id": "same", "zone": "none", "events": ["mx-back", "mx-leaving"], "emails": 1}},
            {"at": "1h+10m", "dns": ["mx1.newns.example."], "do": "sync", "reason": "second return: flap",
             "expect": {"id": "same", "zone": "none", "events": ["mx-flapping", "mx-back", "mx-leaving"],
                        "emails": 1, "page_says": ["differed between lookups"]}},
            {"at": "1h+15m", "dns": ["mx1.oldns.example."], "do": "sync", "reason": "recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-back", "mx-leaving"], "emails": 0}},
            {"at": "1h+20m", "dns": ["mx1.newns.example."], "do": "sync", "reason": "recorded only",
             "expect": {"served": served("enforce", ["mx1.newns.example", "mx1.oldns.example"]),
                        "id": "same", "zone": "none", "events": ["mx-back", "mx-leaving"], "emails": 0}},
            {"at": "13h+25m", "do": "sync", "reason": "held 12 h: stable, old host leaves 8 Dec 2026, 13:20",
             "expect": {"id": "same", "zone": "none", "events": ["mx-stable"], "emails": 1,
                        "says": ["8 Dec 2026, 13:20"], "pending": ["mx1.oldns.example"],
                        "page_not_says": ["differed between lookups"]}},
            {"at": "7d+1h+25m", "do": "sync", "reason": "removed",
             "expect": {"served": served("enforce", ["mx1.newns.example"]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1}},
        ],
    },
    {
        "id": "lookups_fail_a_day_then_answer_with_a_new_provider",
        "zone": True,
        "why": "The MX lookups fail for over a day (a broken delegation during the move): told "
               "once after 24 hours (mx-failing, the policy kept, page notice). The first answer "
               "names only the new provider's host: one email says lookups answer again, the new "
               "MX added (new id, in our zone) and the old one leaving for a week.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "dns": "servfail", "do": "sync", "reason": "first failure",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "1d+1h", "do": "sync", "reason": "a day of failures: told once",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "same", "zone": "none",
                        "events": ["mx-failing"], "emails": 1, "says": ["SERVFAIL"],
                        "page_count": {"No MX lookup for example.org has answered since": 2}}},
            {"at": "1d+2h", "dns": "timeout", "do": "sync", "reason": "not told again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+3h", "dns": ["mx1.newprov.example."], "do": "sync",
             "reason": "answering again, new MX, old leaving: one email",
             "expect": {"served": served("testing", ["mx1.example.org", "mx1.newprov.example"]),
                        "id": "new", "zone": "new", "events": ["mx-answering", "mx-added", "mx-leaving"],
                        "emails": 1, "says": ["answer again"], "pending": ["mx1.example.org"],
                        "corrected": "page_not_says failed on What happened, which rightly keeps "
                                     "the mx-failing event: the notice is counted instead",
                        "page_count": {"No MX lookup for example.org has answered since": 1}}},
        ],
    },
    {
        "id": "stop_hosting_while_lookups_fail_then_release",
        "zone": True,
        "why": "Lookups fail from 1d; the owner stops hosting at 2d (enforce → none until 2d + a "
               "week). Docs: while it winds down no mx-failing is told (mode none needs no MX "
               "followed); the release comes on time whatever the lookups do: 404, our TXT "
               "withdrawn, the team told once.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce", "expect": {"zone": "new"}},
            {"at": "1d", "dns": "servfail", "do": "sync", "reason": "failure", "expect": {"events": []}},
            {"at": "2d", "do": "disable", "reason": "stop",
             "corrected": "said 2026-12-09 12:00: a slip of arithmetic (2d is 3 Dec 2026, 12:00, a "
                          "week later 10 Dec 2026, 12:00, as the release step at 9d+5m already had)",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["10 Dec 2026, 12:00"]}},
            {"at": "3d+1h", "do": "sync", "reason": "over a day of failures, winding down: not told",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "9d+5m", "do": "sync", "reason": "release: 404, TXT withdrawn, told",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"], "emails": 1}},
        ],
    },
    {
        "id": "released_then_hosted_again_with_other_mx",
        "zone": True,
        "why": "Stop hosting, released a week later (404, our TXT withdrawn), then hosted again "
               "after the MX changed: docs say it starts afresh, as a first start does (testing, "
               "a week, only the live MX: the old host is not kept leaving), with a new id that "
               "was never used before, published in our zone again; the owner's own click "
               "emails nobody.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "disable", "reason": "stop: none until 8 Dec 2026, 13:00",
             "expect": {"served": served("none", ["mx1.example.org"]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["8 Dec 2026, 13:00"]}},
            {"at": "7d+2h", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"], "emails": 1,
                        "page_says": ["Records to remove"]}},
            {"at": "8d", "dns": ["mx2.example.org."], "do": "enable", "reason": "a fresh start",
             "expect": {"served": served("testing", ["mx2.example.org"]), "id": "new", "zone": "new",
                        "events": ["enabled"], "emails": 0, "pending": [],
                        "page_not_says": ["Records to remove"]}},
        ],
    },
    # Second batch, written (and committed) after the first 17 ran and the product was fixed,
    # before these ran.
    {
        "id": "null_mx_beside_flaps_between_name_servers",
        "zone": True,
        "why": "The owner adds a null MX beside mx1 by mistake and removes it an hour later, but "
               "a secondary lags and the answers alternate (with, without). Docs' flap rule "
               "applies to this as to any MX answer: the change and the first return told as "
               "they happen, the second return is a flap (mx-flapping, one email with the "
               "step), then recorded only until one answer holds 12 hours (mx-stable). The "
               "policy never changes: same id, no zone UPDATE.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "dns": [".", "mx1.example.org."], "do": "sync", "reason": "null MX beside: told",
             "expect": {"id": "same", "zone": "none", "events": ["mx-null-mixed"], "emails": 1}},
            {"at": "2h", "dns": ["mx1.example.org."], "do": "sync", "reason": "removed: told",
             "expect": {"id": "same", "zone": "none", "events": ["mx-null-mixed"], "emails": 1}},
            {"at": "2h+5m", "dns": [".", "mx1.example.org."], "do": "sync",
             "reason": "lagging secondary: the second return, a flap",
             "corrected": "expected 'first return, told' and the flap a step later: the owner's "
                          "removal at 2h was already the first return (answers A, B, A), so "
                          "this B is the second, a flap by docs' rule (A, B, A, B), as s12's "
                          "flapping_between_two_sets counts it",
             "expect": {"id": "same", "zone": "none", "events": ["mx-flapping", "mx-null-mixed"],
                        "emails": 1, "says": ["differ between lookups"]}},
            {"at": "2h+10m", "dns": ["mx1.example.org."], "do": "sync", "reason": "recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-null-mixed"], "emails": 0}},
            {"at": "2h+15m", "dns": [".", "mx1.example.org."], "do": "sync", "reason": "recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-null-mixed"], "emails": 0}},
            {"at": "2h+20m", "dns": ["mx1.example.org."], "do": "sync", "reason": "recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-null-mixed"], "emails": 0}},
            {"at": "14h+25m", "do": "sync", "reason": "held 12 hours: stable, told",
             "expect": {"served": served("testing", ["mx1.example.org"]), "id": "same", "zone": "none",
                        "events": ["mx-stable"], "emails": 1}},
        ],
    },
    {
        "id": "plain_txt_owner_adds_the_new_record_beside_the_old",
        "why": "With a plain TXT, the owner told of a new id adds the new record beside the old "
               "one instead of replacing it: two v=STSv1 records, which senders ignore "
               "altogether (RFC 8461 §3.1): docs say that is told as that, once, and the "
               "record to keep given. Removing the old one leaves the current id: nothing more "
               "to tell.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org."], "do": "enable", "reason": "start", "expect": {"id": "new"}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "in place", "expect": {"events": [], "emails": 0}},
            {"at": "1d", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "new MX: new id, record emailed",
             "expect": {"id": "new", "events": ["mx-added", "record"], "emails": 1}},
            {"at": "1d+1h", "sts": "old_and_current", "do": "sync",
             "reason": "two records: senders apply no policy; told once",
             "expect": {"id": "same", "events": ["record"], "emails": 1,
                        "email_says": ["2 MTA-STS records", "v=STSv1; id={id};"]}},
            {"at": "1d+1h+5m", "do": "sync", "reason": "not told again", "expect": {"events": [], "emails": 0}},
            {"at": "1d+2h", "sts": "current", "do": "sync", "reason": "the old one removed: nothing to tell",
             "expect": {"id": "same", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "id_moves_when_and_only_when_the_text_moves",
        "zone": True,
        "why": "§3.1: the id names one instance of the policy: it changes when the served text "
               "changes and never otherwise. Steps that change nothing senders get (a case-only "
               "answer, an IP-literal MX joining, an alias noted, the form saved unchanged, a "
               "null MX, the MX back) leave our zone alone; a max_age change moves it once.",
        "steps": [
            {"at": "0", "dns": ["mx1.example.org.", "mx2.example.org."], "sts": "cname",
             "do": "enable", "reason": "start", "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "dns": ["MX2.example.org.", "mx1.EXAMPLE.org."], "do": "sync",
             "reason": "case only", "expect": {"id": "same", "zone": "none", "events": []}},
            {"at": "2h", "dns": ["mx1.example.org.", "mx2.example.org.", "192.0.2.9."], "do": "sync",
             "reason": "an IP literal joins: told, not listed",
             "expect": {"id": "same", "zone": "none", "events": ["mx-added"], "emails": 1}},
            {"at": "3h", "aliases": {"mx2.example.org.": ["relay.example.net."]}, "do": "sync",
             "reason": "mx2 becomes an alias: told, policy unchanged",
             "expect": {"id": "same", "zone": "none", "events": ["mx-alias"], "emails": 1}},
            {"at": "4h", "do": "settings", "form": {}, "reason": "saved unchanged",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "5h", "dns": "null", "do": "sync", "reason": "null MX: unusable, text kept",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"]),
                        "id": "same", "zone": "none", "events": ["mx-unusable"], "emails": 1}},
            {"at": "6h", "dns": ["mx1.example.org.", "mx2.example.org."], "do": "sync",
             "reason": "back (the IP literal gone, silently)",
             "expect": {"id": "same", "zone": "none", "events": ["mx-recovered"], "emails": 1}},
            {"at": "7h", "do": "settings", "form": {"max_age": 86400}, "reason": "max_age: one new id",
             "expect": {"served": served("testing", ["mx1.example.org", "mx2.example.org"], 86400),
                        "id": "new", "zone": "new", "events": ["settings"], "emails": 0}},
        ],
    },
]
# fmt: on


@dataclass(frozen=True)
class StandInZone(PolicyZone):
    """Our policy zone, recording each UPDATE instead of sending it (in place: the zone is
    frozen, its records are not)."""

    updates: list[tuple[str, str, str]] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    def publish(self, domain: str, policy_id: str) -> None:
        self.updates.append(("publish", domain, policy_id))
        self.ids[domain] = policy_id

    def withdraw(self, domain: str) -> None:
        self.updates.append(("withdraw", domain, ""))
        self.ids.pop(domain, None)


def rrset_of(lines: list[str]) -> Any:
    rrset = records(lines[0])
    for line in lines[1:]:
        rrset.union_update(records(line))
    return rrset


def handler(state: dict[str, Any], apex: str, zone: StandInZone | None) -> Any:
    """The wire server of this round, for the name `apex`: its MX (a list of exchanges, "."
    a null MX, or null/nodata/nxdomain/servfail/timeout; with nodata `apex` has an address only
    if state["apex"] gives one), every other host's A record through its alias chain
    (state["aliases"]), the challenge TXT (state["challenge"]), and `_mta-sts.<apex>`
    (state["sts"]: TXT values, "cname" into our zone, whose TXT holds the id `zone` last
    published, or nothing). Every other TXT name is NXDOMAIN."""
    soa = records(f"{apex}. 300 SOA ns.{apex}. hostmaster.{apex}. 1 7200 900 1209600 300")
    challenge = f"_mailsec-challenge.{apex}."
    sts_name = f"_mta-sts.{apex}."
    zone_name = f"{apex}.{OUR_ZONE}."

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        mx = state["mx"]
        nodata = Reply(answer(query, authority=(soa,)))
        if name == f"{apex}.":
            if mx == "timeout":
                return None
            if mx == "servfail":
                return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
            if mx == "nxdomain":
                return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(soa,)))
            if rdtype in ("A", "AAAA"):
                found = [a for a in state.get("apex", []) if (":" in a) == (rdtype == "AAAA")]
                if mx != "nodata" or not found:
                    return nodata
                return Reply(answer(query, rrset_of([f"{apex}. 300 {rdtype} {a}" for a in found])))
            if rdtype != "MX" or mx == "nodata":
                return nodata
            exchanges = ["."] if mx == "null" else mx
            lines = [
                f"{apex}. 300 MX {0 if e == '.' else 10 * (i + 1)} {e}"
                for i, e in enumerate(exchanges)
            ]
            return Reply(answer(query, rrset_of(lines)))
        if name == challenge:
            values = state.get("challenge", [])
            if values == "servfail":
                return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
            if rdtype != "TXT" or not values:
                return nodata
            return Reply(answer(query, rrset_of([f'{challenge} 300 TXT "{v}"' for v in values])))
        if name == sts_name:
            sts = state.get("sts")
            if rdtype != "TXT" or not sts:
                return nodata
            if sts == "cname":
                cname = records(f"{sts_name} 300 CNAME {zone_name}")
                current = zone.ids.get(apex) if zone is not None else None
                if current is None:
                    return Reply(answer(query, cname, authority=(soa,)))
                txt = records(f'{zone_name} 300 TXT "v=STSv1; id={current};"')
                return Reply(answer(query, cname, txt))
            return Reply(answer(query, rrset_of([f'{sts_name} 300 TXT "{v}"' for v in sts])))
        if rdtype == "A":
            # Every other host has an address, at the end of its alias chain if it has one.
            chain = [name, *state.get("aliases", {}).get(name, [])]
            rrsets = [records(f"{a} 300 CNAME {b}") for a, b in zip(chain, chain[1:], strict=False)]
            rrsets.append(records(f"{chain[-1]} 300 A 192.0.2.7"))
            return Reply(answer(query, *rrsets))
        if rdtype != "TXT":
            return nodata
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(soa,)))

    return handle


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class S25Histories(s24.S24Histories):
    apex = "example.org"
    zone: StandInZone | None = None

    # --- the name this case is about ---------------------------------------------------------

    def served(self) -> tuple[int, bytes]:
        r = self.client.get(POLICY_URL, HTTP_HOST=f"mta-sts.{self.apex}")
        return r.status_code, r.content

    def policy(self) -> HostedPolicy | None:
        return HostedPolicy.objects.filter(name=self.apex).first()

    def charlies_domain(self) -> Domain:
        domain, _ = Domain.objects.get_or_create(team=self.charlies_team, name=self.apex)
        return domain

    # --- playing ----------------------------------------------------------------------------

    def play(self, case: dict[str, Any]) -> None:
        self.apex = case.get("domain", "example.org")
        if self.apex != "example.org":
            self.domain = Domain.objects.create(team=self.team, name=self.apex, verified_at=T0)
        self.zone = (
            StandInZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
            if case.get("zone")
            else None
        )
        state: dict[str, Any] = {"mx": []}
        ids: list[str] = []

        def make_handler(state: dict[str, Any]) -> Any:
            return handler(state, self.apex, self.zone)

        with (
            s18.wire(state, make_handler),
            mock.patch.object(lookups, "sts_record", REAL_STS_RECORD),
            mock.patch.object(PolicyZone, "from_settings", lambda: self.zone),
        ):
            for n, step in enumerate(case["steps"]):
                where = f"{case['id']} step {n} (+{step['at']} {step['do']})"
                self.play_step(step, state, ids, where)

    def play_step(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        if "aliases" in step:
            state["aliases"] = {k.lower(): v for k, v in step["aliases"].items()}
        if "challenge" in step:
            state["challenge"] = self.challenge_values(step["challenge"])
        if "sts" in step:
            if step["sts"] in ("current", "old_and_current"):
                policy = self.policy()
                assert policy is not None, f"{where}: no policy to publish the id of"
                current = f"v=STSv1; id={policy.policy_id};"
                kept = state.get("sts") if step["sts"] == "old_and_current" else []
                state["sts"] = [*(kept or []), current]
            else:
                state["sts"] = step["sts"]
        updates = len(self.zone.updates) if self.zone else 0
        outbox = len(mail.outbox)
        if step["do"] == "look":
            with mock.patch.object(service, "enable_told", lambda *a, **k: (None, [])):
                self.run_s18_step(step | {"do": "enable"}, state, ids, where)
        else:
            self.run_s18_step(step, state, ids, where)
        self.check_more(step, updates, outbox, where)

    def check_more(self, step: dict[str, Any], updates: int, outbox: int, where: str) -> None:
        """This round's expectations beyond s12/s18's."""
        expect = step["expect"]
        after = self.policy()
        pid = after.policy_id if after is not None else "(no policy)"

        def fill(text: str) -> str:
            return text.replace("{id}", pid)

        if "zone" in expect:
            assert self.zone is not None, f"{where}: no zone in this case"
            made = self.zone.updates[updates:]
            want = {
                "new": [("publish", self.apex, pid)],
                "none": [],
                "withdrawn": [("withdraw", self.apex, "")],
            }[expect["zone"]]
            assert made == want, f"{where}: zone updates {made}, wanted {want}"
        to_alice = [m for m in mail.outbox[outbox:] if self.alice.email in m.to]
        bodies = "\n".join(m.body for m in to_alice)
        subjects = "\n".join(m.subject for m in to_alice)
        for text in expect.get("email_says", []):
            assert fill(text) in bodies, f"{where}: {fill(text)!r} not in emails:\n{bodies}"
        for text in expect.get("email_not_says", []):
            assert fill(text) not in bodies, f"{where}: {fill(text)!r} in emails:\n{bodies}"
        for text in expect.get("subject_says", []):
            assert fill(text) in subjects, f"{where}: {fill(text)!r} not in {subjects!r}"
        at = T0 + s12.offset(step["at"])
        if "page_says" in expect or "page_not_says" in expect:
            page = self.page_text(
                "hosting:page", step.get("page_as", expect.get("page_as", "alice")), at
            )
            for text in expect.get("page_says", []):
                assert fill(text) in page, f"{where}: {fill(text)!r} not on the page:\n{page}"
            for text in expect.get("page_not_says", []):
                assert fill(text) not in page, f"{where}: {fill(text)!r} on the page:\n{page}"
        if "page_count" in expect:
            page = self.page_text(
                "hosting:page", step.get("page_as", expect.get("page_as", "alice")), at
            )
            for text, count in expect["page_count"].items():
                got = page.count(fill(text))
                assert got == count, f"{where}: {fill(text)!r} {got} times on the page:\n{page}"
        if "domain_page_says" in expect:
            page = self.page_text(
                "domains:details", step.get("page_as", expect.get("page_as", "alice")), at
            )
            for text in expect["domain_page_says"]:
                assert fill(text) in page, f"{where}: {fill(text)!r} not on the domain page"

    def page_text(self, view: str, who: str, at: Any) -> str:
        user, domain = (
            (self.charlie, self.charlies_domain())
            if who == "charlie"
            else (self.alice, self.domain)
        )
        self.client.force_login(user)
        with mock.patch("django.utils.timezone.now", return_value=at):
            r = self.client.get(reverse(view, args=[domain.code]))
        assert r.status_code == 200, f"{view} as {who}: {r.status_code}"
        return text_of(r.content.decode())


# s12's add_round_tests, with this round's cases (kept here, not in a JSON file of their own).
s12.add_round_tests(S25Histories, CASES, earlier=s24.S24Histories)
