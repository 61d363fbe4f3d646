"""Follow-ups of blind round s23e (engine texts), part 1: what the engine says about three of its
domains (tests/lab/scenarios/s23e_*.toml), read from the shared reports
(tests.test_engine_lab.scenario_report), plus the engine functions behind them without the lab.

- s23e-parkedgood: a wildcard `*._domainkey TXT "v=DKIM1; p="` (every selector revoked, RFC 6376
  §3.6.1; M3AAWG's parked-domain advice) read as 23 keys found and 23 DKIM-05 notes; it is said
  once, as the wildcard it is (a selector name nobody uses answers it too).
- s23e-hostcname: MX-04's fix (`MX 10 <alias target>`) under an enforce policy that names only the
  alias: followed alone, the MX would match no pattern (MTASTS-30 fail, RFC 8461 §4.1). It now
  gives the policy's `mx:` line and a new id first.
- s23e-parkedsts: a null-MX domain still publishing `_mta-sts` and an enforce policy read "not
  applicable" and nothing more; MTASTS-01 now says both are left over and can be deleted (the
  domain takes no mail, so no sender applies them, RFC 7505 §3).
"""

from __future__ import annotations

import asyncio
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks import dkim, mtasts, scoring
from checks.dns import DnsAnswer, normalize
from checks.findings import DomainReport, Finding, Mechanism, Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_dkim import rsa_b64
from tests.test_spf import FakeDns, flagged, make_ctx, statuses

P, INFO, W, F, NA = Status.PASS, Status.INFO, Status.WARN, Status.FAIL, Status.NA

SCENARIOS: dict[str, Scenario] = {
    s.path.stem.removeprefix("s23e_"): s
    for s in load_scenarios()
    if s.path.stem in {"s23e_parkedgood", "s23e_hostcname", "s23e_parkedsts"}
}
# Checked together up front with the other selected scenarios (tests.lab.pytest_plugin).
SCENARIO_REPORTS = list(SCENARIOS.values())


def _report(lab: Any, label: str) -> DomainReport:
    from tests.test_engine_lab import scenario_report

    report = scenario_report(lab, SCENARIOS[label])
    assert not report.error, report.error
    return report


def _dump(report: DomainReport, mechanism: Mechanism) -> str:
    return "\n".join(
        f"  {f.status:5} {f.id:10} {f.subject}: {f.summary}\n    fix: {f.fix}"
        for f in report.findings
        if f.mechanism == mechanism
    )


def _d(label: str) -> str:
    return f"s23e-{label}.lab.test"


# ------------------------------------------------------------------ 1. a revoked wildcard


@pytest.mark.lab
def test_parkedgood_says_once_that_a_wildcard_revokes_every_selector(lab: Any) -> None:
    from tests.test_engine_lab import assert_rows, readable_text

    report = _report(lab, "parkedgood")
    domain = _d("parkedgood")
    found = [f for f in report.findings if f.mechanism == Mechanism.DKIM]
    # One finding for the one record, at the same status as before (info): no key to judge.
    assert [(f.id, f.status) for f in found] == [("DKIM-01", INFO)], _dump(report, Mechanism.DKIM)
    tried = len(found[0].evidence["selectors_tried"])
    assert tried == len(dkim.COMMON_SELECTORS)
    assert_rows(
        report,
        [
            (
                "DKIM-01",
                INFO,
                (
                    f"all {tried} selectors tried",
                    f"*._domainkey.{domain}",
                    "wildcard",
                    "revoked",
                    "right for a domain that sends no mail",
                ),
            )
        ],
        readable_text,
    )
    assert "keys found" not in readable_text(found[0])
    # Still "no key found": DKIM not scored, as before; MX-03 stays info (no key that signs).
    assert report.score_detail["categories"]["dkim"]["reason"] == "not deployed (not scored)"
    assert {(f.id, f.status) for f in report.findings if f.id == "MX-03"} == {("MX-03", INFO)}


# --------------------------------------------------------- 2. MX-04's fix under MTA-STS


@pytest.mark.lab
def test_hostcname_mx04_lists_the_target_in_the_policy_before_the_mx_points_there(
    lab: Any,
) -> None:
    from tests.test_engine_lab import readable_text

    report = _report(lab, "hostcname")
    domain = _d("hostcname")
    (mx04,) = [f for f in report.findings if f.id == "MX-04"]
    assert mx04.status == W  # unchanged
    text = readable_text(mx04)
    line = "mx: mx.s23ehost-d.test"
    record = f"{domain}. mx 10 mx.s23ehost-d.test."
    for words in (line, "new id", f"_mta-sts.{domain}. txt", record, "mtasts-30"):
        assert words in text, (words, mx04.fix)
    # The order is the point: a sender must see the target in the policy before the MX.
    assert text.index(line) < text.index(f"_mta-sts.{domain}. txt") < text.index(record)


def _mx04(host: str, target: str, domain: str = "example.org") -> Finding:
    return Finding(
        id="MX-04",
        status=W,
        mechanism=Mechanism.MX,
        summary=f"The MX target {host} is an alias (CNAME) for {target}.",
        subject=host,
        evidence={"host": host, "preference": 10, "cname_target": target},
        fix=f"{domain}. MX 10 {target}.",
    )


def _state(body: str, record: str = "v=STSv1; id=20260101") -> mtasts.MtaStsState:
    state = mtasts.MtaStsState(record_status="valid", record=mtasts.parse_sts_record(record))
    state.candidates = [state.record] if state.record else []
    state.policy = mtasts.parse_policy(body.encode())
    state.mode = state.policy.mode
    state.patterns = list(state.policy.mx)
    state.usable = state.policy.valid
    return state


ENFORCE_ALIAS = "version: STSv1\nmode: enforce\nmx: mail.example.org\nmax_age: 604800\n"


def test_mx04_under_a_policy_that_misses_the_target_gives_the_policy_line_first() -> None:
    finding = _mx04("mail.example.org", "mx.host.example")
    fixed = mtasts.alias_fix_under_policy(finding, _state(ENFORCE_ALIAS), "example.org")
    assert fixed.index("mx: mx.host.example") < fixed.index("example.org. MX 10 mx.host.example.")
    assert '_mta-sts.example.org. TXT "v=STSv1; id=' in fixed
    assert "MTASTS-30" in fixed and "enforce" in fixed


def test_mx04_keeps_its_fix_when_the_policy_covers_the_target_or_applies_to_nothing() -> None:
    finding = _mx04("mail.example.org", "mx1.host.example")
    covered = "version: STSv1\nmode: enforce\nmx: *.host.example\nmax_age: 604800\n"
    assert mtasts.alias_fix_under_policy(finding, _state(covered), "example.org") == finding.fix
    withdrawn = ENFORCE_ALIAS.replace("enforce", "none")
    assert mtasts.alias_fix_under_policy(finding, _state(withdrawn), "example.org") == finding.fix
    unusable = _state(ENFORCE_ALIAS)
    unusable.usable = False  # e.g. two records: senders apply no policy
    assert mtasts.alias_fix_under_policy(finding, unusable, "example.org") == finding.fix


def test_mx04_behind_a_delegated_record_changes_the_id_at_the_alias_target() -> None:
    state = _state(ENFORCE_ALIAS)
    state.answer = DnsAnswer(
        "_mta-sts.example.org", "TXT", "NOERROR", cnames=["example-org.sts.provider.example"]
    )
    fixed = mtasts.alias_fix_under_policy(
        _mx04("mail.example.org", "mx.host.example"), state, "example.org"
    )
    assert "example-org.sts.provider.example. TXT" in fixed
    assert "_mta-sts.example.org. TXT" not in fixed


# ------------------------------------------------- 3. MTA-STS left over at a null MX


@pytest.mark.lab
def test_parkedsts_says_the_record_and_policy_are_left_over(lab: Any) -> None:
    from tests.test_engine_lab import assert_rows, readable_text

    report = _report(lab, "parkedsts")
    domain = _d("parkedsts")
    found = [f for f in report.findings if f.mechanism == Mechanism.MTASTS]
    assert [(f.id, f.status) for f in found] == [("MTASTS-01", NA)], _dump(report, Mechanism.MTASTS)
    assert_rows(
        report,
        [
            (
                "MTASTS-01",
                NA,
                (
                    "null mx",
                    "left over",
                    f"_mta-sts.{domain}",
                    f"https://mta-sts.{domain}/.well-known/mta-sts.txt",
                    "mode enforce",
                    "delete",
                    "mode: none",
                ),
            )
        ],
        readable_text,
    )
    # Still a domain that receives no mail: MTA-STS does not apply, the score says n/a.
    categories = report.score_detail["categories"]
    assert categories["mta-sts"]["reason"] == "does not apply"
    assert scoring.receives_no_mail(report.score_detail, [f.id for f in report.findings])
    # A parked domain that publishes no MTA-STS record hears nothing of the kind.
    parked = _report(lab, "parkedgood")
    (plain,) = [f for f in parked.findings if f.mechanism == Mechanism.MTASTS]
    assert plain.status == NA and not plain.fix
    assert "left over" not in readable_text(plain)


# ------------------------------------------------------- the DKIM wildcard, without the lab

D = "example.com"


class WildDns(FakeDns):
    """FakeDns whose `*.` names answer any name below them that has no records of its own,
    as a wildcard does (RFC 4592)."""

    async def query(self, name: str, rdtype: str, **kwargs: Any) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        if key not in self.zone:
            parent = key[0].split(".", 1)[1] if "." in key[0] else ""
            wild = (f"*.{parent}", key[1])
            while parent and wild not in self.zone:
                parent = parent.split(".", 1)[1] if "." in parent else ""
                wild = (f"*.{parent}", key[1])
            if parent:
                texts = self.zone[wild]
                records = [
                    dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, f'"{t}"')
                    for t in texts
                ]
                self.asked.append(key)
                return DnsAnswer(key[0], key[1], "NOERROR", records=records, ttl=300)
        return await super().query(name, rdtype, **kwargs)


def _run(zone: dict[Any, Any], **config: Any) -> list[Finding]:
    ctx = make_ctx(D, {}, **config)
    ctx.dns = WildDns(zone)  # type: ignore[assignment]
    return asyncio.run(dkim.evaluate(ctx))


REVOKED = {(f"*._domainkey.{D}", "TXT"): ["v=DKIM1; p="]}


def test_a_revoked_wildcard_alone_is_one_note() -> None:
    found = _run(REVOKED)
    assert [(f.id, f.status) for f in found] == [("DKIM-01", INFO)]
    (note,) = found
    assert note.subject == f"*._domainkey.{D}"
    assert "All 23 selectors tried" in note.summary
    assert "right for a domain that sends no mail" in note.summary
    assert note.evidence["wildcard_record"] == "v=DKIM1; p="
    assert note.evidence["answered_by_wildcard"] == list(dkim.COMMON_SELECTORS)


def test_a_real_key_beside_a_revoked_wildcard_is_judged_as_before() -> None:
    key = f"v=DKIM1; k=rsa; p={rsa_b64(2048)}"
    zone = {**REVOKED, (f"google._domainkey.{D}", "TXT"): [key]}
    found = _run(zone)
    assert statuses(found, "DKIM-06") == [P] and statuses(found, "DKIM-07") == [P]
    assert statuses(found, "DKIM-05") == []
    head = next(f for f in found if f.id == "DKIM-01" and f.subject == D)
    assert "DKIM key found for selector google (23 tried" in head.summary
    assert "The other 22 selectors tried" in head.summary and "revoked" in head.summary
    assert "sends no mail" not in head.summary
    # Without the wildcard: the same statuses, and no word of one.
    plain = _run({(f"google._domainkey.{D}", "TXT"): [key]})
    assert sorted((f.id, f.status) for f in plain) == sorted((f.id, f.status) for f in found)
    assert not any("wildcard" in f.summary for f in plain)


def test_a_selector_the_owner_gave_is_still_judged_under_a_wildcard() -> None:
    # The owner says mail is signed with 'default': the wildcard revokes it, which they must
    # read for that selector (DKIM-05 info, as for any revoked key they gave).
    found = _run(REVOKED, dkim_selectors=("default",))
    assert [f.subject for f in found if f.id == "DKIM-05"] == [f"default._domainkey.{D}"]
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}


def test_the_wildcard_is_asked_in_the_first_round_and_only_once() -> None:
    ctx = make_ctx(D, {})
    fake = WildDns(REVOKED)
    ctx.dns = fake  # type: ignore[assignment]
    keys = asyncio.run(dkim.get_keys(ctx))
    probes = [n for n, t in fake.asked if n.startswith(dkim.WILDCARD_PROBE_PREFIX)]
    assert len(probes) == 1
    assert keys.wildcard is not None and keys.wildcard.name == probes[0]
    # A name that is not a selector anyone uses (RFC 6376 §3.1 allows any sub-domain).
    assert probes[0].split(".")[0] not in dkim.selectors_for(ctx)


# ------------------------------------------- MTA-STS left over at a null MX, without the lab

NULL_MX: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["0 ."],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
}


def _null_mx(monkeypatch: pytest.MonkeyPatch, zone: dict[Any, Any], **kw: Any) -> list[Finding]:
    from tests.test_mtasts import evaluate

    return evaluate(monkeypatch, zone, **kw)


def test_a_null_mx_with_a_policy_in_mode_none_is_told_to_delete_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"
    (finding,) = _null_mx(monkeypatch, NULL_MX, body=body)
    assert (finding.id, finding.status) == ("MTASTS-01", NA)
    assert "left over" in finding.summary and "(mode none)" in finding.summary
    assert "already says mode: none" in finding.fix
    assert "Only if it may take mail again" not in finding.fix
    # Without the record: the one sentence as before, and no policy fetched for it.
    (plain,) = _null_mx(monkeypatch, {("example.org", "MX"): ["0 ."]}, body=body)
    assert plain.summary == "example.org accepts no mail (null MX), so MTA-STS does not apply."
    assert not plain.fix and not plain.evidence


def test_a_null_mx_with_a_record_and_no_policy_names_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (finding,) = _null_mx(monkeypatch, NULL_MX, error_kind="dns")
    assert (finding.id, finding.status) == ("MTASTS-01", NA)
    assert "record (_mta-sts.example.org) is left over" in finding.summary
    assert "no valid policy is served" in finding.summary
    assert finding.fix.startswith("Delete the TXT record _mta-sts.example.org")
