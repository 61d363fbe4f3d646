"""Mends from blind round s44e (tests/test_engine_s44e_blind.py), each test written first and
seen failing on the code before its mend."""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from checks.findings import Finding, series
from tests.test_mtasts import POLICY, evaluate
from tests.test_spf import run


def test_it_names_the_id_a_changed_policy_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # Round case sts-policy-changed-id-same: the owner looks for the record that kept its id;
    # senders holding the old policy under it may keep it for up to its max_age (RFC 8461
    # §3.1, §5.1): a sender may refresh its cached policy earlier (§3.3, §5.1), so the
    # max_age is the longest the mistake lasts, not how long it surely lasts (task s44m).
    findings = evaluate(monkeypatch, previous=("20260601T0000", "0" * 64))
    (warn,) = [f for f in findings if f.id == "MTASTS-09"]
    assert str(warn.status) == "warn"
    assert "id=20260601T0000" in warn.summary
    assert "may keep using it for up to its max_age" in warn.summary
    # Only the served policy's max_age is known (history keeps the old one's id and digest).
    assert "(the policy served now says 7 days)" in warn.summary
    assert "runs out" not in warn.summary
    # Control: the same policy under a new id stays the harmless info.
    same = evaluate(monkeypatch, body=POLICY, previous=("20260501T0000", _digest(monkeypatch)))
    (info,) = [f for f in same if f.id == "MTASTS-09"]
    assert str(info.status) == "info"


def _digest(monkeypatch: pytest.MonkeyPatch) -> str:
    """The digest the engine keeps for tests.test_mtasts's POLICY (what the next run compares)."""
    found = [
        f.evidence["policy_sha256"] for f in evaluate(monkeypatch) if "policy_sha256" in f.evidence
    ]
    return str(found[0])


# --- SPF-08: an include naming a provider's MX host (blind case proton-include-names-mx-host)

PROTON = {
    ("_spf.protonmail.ch", "TXT"): ["v=spf1 ip4:185.70.40.0/24 ip4:185.70.42.0/24 ~all"],
    ("mail.protonmail.ch", "A"): ["185.70.42.128"],
    ("mailsec.protonmail.ch", "A"): ["185.70.42.129"],
}
GOOGLE = {
    ("_spf.google.com", "TXT"): ["v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ~all"],
    ("aspmx.l.google.com", "A"): ["142.250.153.26"],
}


def _spf(domain: str, record: str | None, mx: list[str], more: dict[Any, Any]) -> list[Finding]:
    zone: dict[Any, Any] = {(domain, "MX"): mx, **more}
    if record is not None:
        zone[(domain, "TXT")] = [record]
    return run(spf, domain, zone)


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


@pytest.mark.parametrize(
    ("record", "mx", "more", "meant", "provider"),
    [
        (
            "v=spf1 include:mail.protonmail.ch ~all",
            ["10 mail.protonmail.ch.", "20 mailsec.protonmail.ch."],
            PROTON,
            "v=spf1 include:_spf.protonmail.ch ~all",
            "Proton Mail",
        ),
        (
            "v=spf1 ip4:81.2.69.0/24 include:aspmx.l.google.com -all",
            ["1 aspmx.l.google.com."],
            GOOGLE,
            "v=spf1 ip4:81.2.69.0/24 include:_spf.google.com -all",
            "Google Workspace",
        ),
    ],
)
def test_it_offers_the_providers_include_for_its_mx_host(
    record: str, mx: list[str], more: dict[Any, Any], meant: str, provider: str
) -> None:
    # RFC 7208 §5.2: an include of a name without SPF is a permanent error; the name is the
    # provider's receiving server (an MX host of the domain), where its setup guide gives an
    # include of its sending servers. Dropping the include (the old fix) de-authorised them.
    found = _one(_spf("vantage-notary.ch", record, mx, more), "SPF-08")
    assert str(found.status) == "fail"
    assert f'TXT "{meant}"' in found.fix
    assert "MX host" in found.summary
    assert provider in found.summary
    assert meant.split()[-2] in found.summary  # the provider's include, named


def test_an_include_of_another_name_without_spf_is_still_dropped() -> None:
    # Control: a name that is no provider's MX host has no known replacement.
    found = _one(
        _spf(
            "vantage-notary.ch",
            "v=spf1 include:_spf.oldvendor.example include:_spf.protonmail.ch ~all",
            ["10 mail.protonmail.ch."],
            PROTON,
        ),
        "SPF-08",
    )
    assert 'TXT "v=spf1 include:_spf.protonmail.ch ~all"' in found.fix
    assert "MX host" not in found.summary


def test_a_proton_domain_without_spf_is_offered_protons_include() -> None:
    # SPF-01's first record: Proton's inbound MX hosts are not its senders, so 'mx' would
    # authorise the wrong machines (checks.spf.PROVIDERS).
    found = _one(_spf("vantage-notary.ch", None, ["10 mail.protonmail.ch."], PROTON), "SPF-01")
    assert "include:_spf.protonmail.ch" in found.fix
    assert " mx " not in found.fix


@pytest.mark.parametrize(
    "gone",
    [["_spf.oldvendor.example"], ["_spf.oldvendor.example", "spf.legacy.example"]],
    ids=["one-other", "two-others"],
)
def test_each_dead_include_says_what_the_one_suggested_record_does_to_it(gone: list[str]) -> None:
    # A provider swap beside other dead includes (task s44m): the one record suggested puts
    # Proton's include in place of its MX host's and leaves the others out. Each SPF-08 says
    # what that record does to its include (no 'Remove' for the swapped one, no 'replaced'
    # for the dropped ones) and the rest it does, so the owner reads one plan, not two.
    record = " ".join(
        ["v=spf1", "include:mail.protonmail.ch", *[f"include:{g}" for g in gone], "~all"]
    )
    found = [
        f
        for f in _spf("vantage-notary.ch", record, ["10 mail.protonmail.ch."], PROTON)
        if f.id == "SPF-08"
    ]
    assert {f.fix for f in found} == {
        'vantage-notary.ch. TXT "v=spf1 include:_spf.protonmail.ch ~all"'
    }
    (swap,) = [f for f in found if "MX host" in f.summary]
    left = series([f"'include:{g}'" for g in gone])
    assert f"the record suggested has it in its place and leaves out {left}." in swap.summary
    assert "Remove" not in swap.summary
    them = "them" if len(gone) > 1 else "it"
    does = (
        f"(the record suggested leaves {them} out and puts 'include:_spf.protonmail.ch' in "
        "place of 'include:mail.protonmail.ch')"
    )
    others = [f for f in found if f is not swap]
    assert len(others) == len(gone)
    for f in others:
        assert does in f.summary, f.summary
        assert (
            "Remove the includes of names without SPF " if len(gone) > 1 else "Remove that include "
        ) + does in f.summary
