"""RFC 9989 policy discovery: which record of the DNS tree walk applies (§4.10.1, §4.10.2)."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc
from checks.findings import Status
from tests.test_spf import make_ctx, run

D = "example.com"
AUTHOR = "a.mail.example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    (AUTHOR, "TXT"): ["v=spf1 -all"],
    ("_dmarc.mail.example.com", "TXT"): ["v=DMARC1; p=none; rua=mailto:d@example.com"],
    (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@example.com"],
}


def views(zone: dict[Any, Any]) -> dmarc.DmarcPolicy:
    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(AUTHOR, zone))

    return asyncio.run(go())


def test_a_record_between_the_author_and_the_org_domain_does_not_apply() -> None:
    # §4.10.2's own example: records at _dmarc.mail.example.com and _dmarc.example.com make
    # example.com the Organizational Domain of a.mail.example.com, and §4.10.1 applies the
    # author domain's, the Organizational Domain's or the PSD's record: example.com's sp.
    policy = views(ZONE)
    assert policy.org_9989 == D and policy.record_domain == D
    assert policy.effective_9989 == "reject" == policy.effective_7489
    found = run(dmarc, AUTHOR, ZONE)
    assert not [f for f in found if f.id == "DMARC-06"]
    assert [f.status for f in found if f.id == "DMARC-19"] == [Status.PASS]


def test_psd_n_makes_the_intermediate_record_the_org_domain() -> None:
    zone = {**ZONE, ("_dmarc.mail.example.com", "TXT"): ["v=DMARC1; p=reject; sp=none; psd=n"]}
    policy = views(zone)
    assert policy.org_9989 == "mail.example.com" and policy.record_domain == "mail.example.com"
    assert policy.effective_9989 == "none"  # its sp applies to a.mail.example.com
    assert policy.effective_7489 == "reject"  # RFC 7489 asks the PSL org domain


def test_psd_y_after_the_eight_label_jump_names_the_label_below_it() -> None:
    # 10 labels: the walk jumps from the author domain to its 7-label ancestor (§4.10 step 4).
    # psd=y there makes the 8-label name the Organizational Domain (§4.10.2 rule 2), not the
    # author domain the walk happened to query before.
    author = "a.b.c.d.e.f.g.h.example.com"
    zone = {("_dmarc.d.e.f.g.h.example.com", "TXT"): ["v=DMARC1; p=reject; psd=y"]}

    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(author, zone))

    policy = asyncio.run(go())
    assert policy.org_9989 == "c.d.e.f.g.h.example.com"
    assert policy.record_domain == "d.e.f.g.h.example.com"
