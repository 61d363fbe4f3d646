"""Task s32y: engine follow-ups of s32x (MTASTS-08, DKIM-01, BIMI-03, BIMI-05). Each test was
written failing, before its fix; controls pass both before and after."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from checks import dkim
from checks.dns import DnsAnswer
from checks.findings import Finding, Status
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s29s_blind import logo, mark, site
from tests.test_engine_s32s import K2048
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site
from tests.test_spf import make_ctx, published

NBSP = "\u00a0"


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# ------------------------------------ 1. MTASTS-08: the record to retype is the fix's record


def test_mtasts08_pasted_character_summary_and_fix_tell_the_same_record() -> None:
    # "Retype the record by hand: 'v=STSv1; id=20260601T0900'" while the fix offered the
    # record with a fresh id: two records for one fault. One story, the fresh id, as s32x made
    # MTASTS-04's (RFC 8461 §3.1 does not ask to keep the id; a new one makes senders holding
    # a policy from before the record broke fetch it again, §5.1).
    domain = "fairlie-marine.co.uk"
    case = Case(
        "s32y-nbsp",
        "mtasts",
        domain,
        sts_site(domain, f"v=STSv1;{NBSP}id=20260601T0900"),
        files=policy_file(domain, policy_text(domain)),
    )
    found = _one(run_case(case), "MTASTS-08")
    assert found.status == Status.FAIL
    assert "a no-break space (U+00A0) after 'v=STSv1;'" in found.summary
    assert "id=20260601T0900'" not in found.summary, found.summary
    assert "with a new id" in found.summary, found.summary
    new_id = re.search(r'"v=STSv1; id=(\w+)"', found.fix)
    assert new_id is not None and new_id.group(1) != "20260601T0900", found.fix


# ------------------------- 2. DKIM-01: a key doubled at a parent zone (spf.find_undotted)


class _WildDns(CnameDns):
    """A wildcard '*.eastgate-pharmacy.com' holding a key: it answers every name under
    com.eastgate-pharmacy.com (a node nobody made), the probe beside a doubled name too."""

    def __init__(self, zone: dict[Any, Any], key: str) -> None:
        super().__init__(zone)
        self.key = key

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        if rdtype.upper() == "TXT" and name.rstrip(".").endswith(".com.eastgate-pharmacy.com"):
            return await super().query("wild.eastgate-pharmacy.com", rdtype, **kw)
        return await super().query(name, rdtype, **kw)


def _dkim_at(domain: str, more: dict[Any, Any], key: str = "") -> Finding:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        ("wild.eastgate-pharmacy.com", "TXT"): [key] if key else [],
        **more,
    }
    ctx = make_ctx(domain, zone, dkim_selectors=("google",))
    ctx.dns = _WildDns(zone, key) if key else CnameDns(zone)  # type: ignore[assignment]
    return _one(asyncio.run(dkim.evaluate(ctx)), "DKIM-01")


def test_dkim01_finds_a_subdomains_key_doubled_in_its_parents_zone() -> None:
    # news.eastgate-pharmacy.com lives in the zone eastgate-pharmacy.com: the full name typed
    # into that zone's panel lands at google._domainkey.news.eastgate-pharmacy.com.
    # eastgate-pharmacy.com. DKIM-01 looked only at <sel>._domainkey.<d>.<d> and said "no key".
    domain = "news.eastgate-pharmacy.com"
    key = f"v=DKIM1; k=rsa; p={K2048}"
    doubled = f"google._domainkey.{domain}.eastgate-pharmacy.com"
    found = _dkim_at(domain, {(doubled, "TXT"): [key]})
    assert found.status == Status.INFO
    assert f"published at {doubled}, where receivers never look" in found.summary, found.summary
    assert "(in a panel that adds 'eastgate-pharmacy.com', enter 'google._domainkey.news')" in (
        found.summary
    ), found.summary
    fix = found.fix.splitlines()
    assert published(fix[0]) == (f"google._domainkey.{domain}", key)
    assert any(doubled in line for line in fix[1:]), found.fix


def test_dkim01_takes_no_wildcards_key_for_a_doubled_one() -> None:
    # Control (passes before and after): a wildcard's record answers the doubled name and the
    # probe beside it alike; it is no key the owner typed there.
    domain = "news.eastgate-pharmacy.com"
    found = _dkim_at(domain, {}, key=f"v=DKIM1; k=rsa; p={K2048}")
    assert found.summary.startswith("No DKIM key is published for the selector you gave")
    assert "where receivers never look" not in found.summary and not found.fix


def test_dkim01_key_doubled_in_the_domains_own_zone_reads_as_before() -> None:
    # Control (passes before and after): s32s's case, the words as they were.
    domain = "eastgate-pharmacy.com"
    key = f"v=DKIM1; k=rsa; p={K2048}"
    found = _dkim_at(domain, {(f"google._domainkey.{domain}.{domain}", "TXT"): [key]})
    assert (
        f" The key for 'google' is published at google._domainkey.{domain}.{domain}, where "
        "receivers never look: the DNS panel added the domain to a name that already ended in "
        f"it. Publish the key at google._domainkey.{domain} (in a panel that adds the domain, "
        "enter 'google._domainkey') and delete the other record."
    ) in found.summary, found.summary


# --------------------------- 3. BIMI-03: l= in a second TXT record, which receivers discard


def _bimi(domain: str, texts: list[str], check_id: str) -> Finding:
    zone = site(
        domain,
        dmarc_record=f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}",
        more={(f"default._bimi.{domain}", "TXT"): texts},
    )
    return _one(run_case(Case(f"s32y-{check_id}", "bimi", domain, zone)), check_id)


def test_bimi03_says_the_logo_sits_in_a_second_record() -> None:
    # A DNS panel split the record in two: 'v=BIMI1; a=...;' and 'l=...'. The second does not
    # start with 'v=BIMI1', so receivers discard it (draft, Assertion Record Discovery), and
    # the record they use has no l=. "No l= tag" sent the owner after a tag they can see.
    domain = "coniston-boats.com"
    first = f"v=BIMI1; a={mark(domain)};"
    second = f"l={logo(domain)}"
    found = _bimi(domain, [first, second], "BIMI-03")
    assert found.status == Status.FAIL
    assert f"'{second}'" in found.summary and "second TXT record" in found.summary
    assert "discard" in found.summary, found.summary
    name = f"default._bimi.{domain}."
    assert found.fix.splitlines() == [
        f'{name} TXT "v=BIMI1; a={mark(domain)}; l={logo(domain)}"',
        "in place of these two TXT records:",
        f'{name} TXT "{first}"',
        f'{name} TXT "{second}"',
    ], found.fix


def test_bimi03_without_l_anywhere_reads_as_before() -> None:
    # Control (passes before and after). Since s41g the fix is the record with an l= for the
    # owner to fill in (tests/test_engine_s41g.py); it gave none.
    domain = "keswick-kayaks.com"
    found = _bimi(domain, [f"v=BIMI1; a={mark(domain)};"], "BIMI-03")
    assert found.summary == "The BIMI record has no l= tag with the logo URL, which is required."
    assert f"v=BIMI1; l=<https:// URL of the logo's SVG file>; a={mark(domain)};" in found.fix


# ------------- 4. BIMI-05: the discard rule cited without pointing at a passing BIMI-02


def test_bimi05_split_record_cites_the_rule_not_a_passing_finding() -> None:
    # BIMI-02 passes on that record, rightly (checklist BIMI-02: records not starting with
    # 'v=BIMI1' are discarded and exactly one remains): "(BIMI-02)" pointed at a pass.
    domain = "coniston-boats.com"
    found = _bimi(domain, [f"v=BIMI1; l={logo(domain)};", f"a={mark(domain)}"], "BIMI-05")
    assert "BIMI-02" not in found.summary, found.summary
    assert "receivers discard it (draft, Assertion Record Discovery)" in found.summary
