"""DMARC: parser units, both discovery views, tag rules and hypothesis robustness."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_spf import flagged, make_ctx, published, run, statuses

D = "example.com"
BASE: dict[Any, Any] = {(D, "TXT"): ["v=spf1 mx -all"], (D, "MX"): ["10 mx.example.com."]}


def dmarc_run(record: Any, domain: str = D, **zone: Any) -> list[Finding]:
    data = dict(BASE)
    if record is not None:
        data[(f"_dmarc.{D}", "TXT")] = record if isinstance(record, list) else [record]
    data.update(zone.get("extra", {}))
    return run(dmarc, domain, data)


def test_parse_basics() -> None:
    parsed = dmarc.parse_dmarc("v=DMARC1; p=reject; rua=mailto:d@example.com; adkim=s")
    assert parsed.is_dmarc and parsed.policy("p") == "reject" and parsed.valid_rua()
    assert not dmarc.parse_dmarc("v=dmarc1; p=reject").is_dmarc
    assert not dmarc.parse_dmarc("p=reject; v=DMARC1").is_dmarc
    assert not dmarc.parse_dmarc("v=DMARC1.0; p=reject").is_dmarc
    assert dmarc.parse_dmarc("v = DMARC1 ;p=none").is_dmarc
    stray = dmarc.parse_dmarc("v=DMARC1; p=none; rua=mailto:a@example.com; mailto:b@example.com")
    # The stray address is DMARC-12's to explain (with the repaired record), not DMARC-17's.
    assert stray.strays == {"rua": ["mailto:b@example.com"]} and not stray.problems
    assert dmarc.parse_dmarc("v=DMARC1; p=rejected").invalid_policy("p")


def test_parse_uris() -> None:
    uris = dmarc.parse_uris("mailto:a@example.com!10m, dmarc@example.com,https://x.example/r,")
    assert [u.valid for u in uris] == [True, False, False, False]
    assert uris[0].size == "10m" and uris[0].host == "example.com"
    assert "no scheme" in uris[1].problem


def test_walk_names() -> None:
    assert dmarc.walk_names("a.b.example.com") == [
        "a.b.example.com",
        "b.example.com",
        "example.com",
        "com",
    ]
    long = "a.b.c.d.e.f.g.h.i.j.example.com"  # 12 labels
    names = dmarc.walk_names(long)
    assert len(names) == 8 and names[0] == long
    assert names[1] == "f.g.h.i.j.example.com" and names[-1] == "com"


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parser_never_raises(text: str) -> None:
    parsed = dmarc.parse_dmarc(text)
    parsed.valid_rua()
    _ = parsed.pct, parsed.testing
    dmarc.parse_dmarc("v=DMARC1; " + text).uris("rua")
    dmarc.parse_uris(text)
    dmarc.suggested_record(D, parsed)


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_parser_never_raises_on_bytes(data: bytes) -> None:
    dmarc.parse_dmarc(data.decode("utf-8", errors="replace"))
    dmarc.walk_names(data.decode("latin-1") or "x")


def test_good_record() -> None:
    found = dmarc_run("v=DMARC1; p=reject; rua=mailto:dmarc@example.com; adkim=r; aspf=r")
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    assert statuses(found, "DMARC-01") == [Status.PASS]


def test_fixture_expectations() -> None:
    assert flagged(dmarc_run("v=DMARC1; p=none"))["warn"] == {"DMARC-06"}
    assert statuses(dmarc_run("v=DMARC1; p=none"), "DMARC-06") == [Status.WARN, Status.WARN]
    assert flagged(dmarc_run(["v=DMARC1; p=none; rua=mailto:d@example.com", "v=DMARC1; p=reject"]))[
        "fail"
    ] == {"DMARC-02"}
    legacy = dmarc_run("v=DMARC1; rua=mailto:d@example.com; p=reject; pct=25; ri=3600; rf=afrf")
    assert flagged(legacy) == {
        "fail": set(),
        "warn": {"DMARC-05", "DMARC-08", "DMARC-19"},
        "error": set(),
    }
    assert statuses(legacy, "DMARC-11") == [Status.INFO, Status.INFO]
    views = next(f.evidence for f in legacy if f.id == "DMARC-19")["views"]
    assert views["rfc9989"]["effective_policy"] == "reject"
    assert views["rfc7489"]["effective_policy"].startswith("reject for 25%")
    bis = dmarc_run("v=DMARC1; p=reject; sp=none; np=reject; t=y; psd=n")
    assert flagged(bis) == {"fail": set(), "warn": {"DMARC-07", "DMARC-09"}, "error": set()}
    assert statuses(bis, "DMARC-10") == [Status.INFO]


def test_external_reporting_authorisation() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:agg@reports.vendor.example"
    found = dmarc_run(record)
    assert flagged(found)["fail"] == {"DMARC-13"}
    fix = next(f.fix for f in found if f.id == "DMARC-13")
    assert fix == 'example.com._report._dmarc.reports.vendor.example. TXT "v=DMARC1"'
    auth = {("example.com._report._dmarc.reports.vendor.example", "TXT"): ["v=DMARC1"]}
    assert not flagged(dmarc_run(record, extra=auth))["fail"]
    wildcard = {("*._report._dmarc.reports.vendor.example", "TXT"): ["v=DMARC1"]}
    assert not flagged(dmarc_run(record, extra=wildcard))["fail"]
    failing = {("example.com._report._dmarc.reports.vendor.example", "TXT"): "SERVFAIL"}
    assert flagged(dmarc_run(record, extra=failing))["error"] == {"DMARC-13"}


def test_tag_rules() -> None:
    bad_p = dmarc_run("v=DMARC1; p=rejected; rua=mailto:d@example.com")
    assert "DMARC-05" in flagged(bad_p)["fail"]
    assert "p=none" in next(f.summary for f in bad_p if f.id == "DMARC-05")
    bad_p_no_rua = dmarc_run("v=DMARC1; p=rejected")
    assert "ignore the whole record" in next(f.summary for f in bad_p_no_rua if f.id == "DMARC-05")
    assert "DMARC-07" in flagged(dmarc_run("v=DMARC1; p=reject; sp=block"))["fail"]
    assert "DMARC-08" in flagged(dmarc_run("v=DMARC1; p=reject; pct=150"))["fail"]
    assert statuses(dmarc_run("v=DMARC1; p=reject; pct=100"), "DMARC-08") == [Status.INFO]
    assert "DMARC-10" in flagged(dmarc_run("v=DMARC1; p=reject; psd=y"))["warn"]
    assert "DMARC-12" in flagged(dmarc_run("v=DMARC1; p=reject; rua=dmarc@example.com"))["fail"]
    sized = dmarc_run("v=DMARC1; p=reject; rua=mailto:d@example.com!10m")
    assert Status.INFO in statuses(sized, "DMARC-12")
    fo = dmarc_run("v=DMARC1; p=reject; fo=0:1:x")
    assert "DMARC-14" in flagged(fo)["warn"] and Status.INFO in statuses(fo, "DMARC-14")
    # ABNF literals are case-insensitive: fo=D is a valid option.
    upper = dmarc_run("v=DMARC1; p=reject; fo=D; ruf=mailto:f@example.com")
    assert "DMARC-14" not in flagged(upper)["warn"]
    assert statuses(dmarc_run("v=DMARC1; p=reject; ruf=mailto:f@example.com"), "DMARC-15") == [
        Status.INFO
    ]
    assert "DMARC-16" in flagged(dmarc_run("v=DMARC1; p=reject; adkim=strict"))["fail"]
    assert "DMARC-17" in flagged(dmarc_run("v=DMARC1; p=reject; foo=bar"))["warn"]
    assert "DMARC-03" in flagged(dmarc_run("v=dmarc1; p=reject"))["fail"]


def test_apex_record_and_absence() -> None:
    zone = {(D, "TXT"): ["v=spf1 mx -all", "v=DMARC1; p=reject"]}
    found = run(dmarc, D, {**BASE, **zone})
    assert flagged(found)["fail"] == {"DMARC-04"}
    assert (
        next(f.fix for f in found if f.id == "DMARC-04")
        == '_dmarc.example.com. TXT "v=DMARC1; p=reject"'
    )
    absent = dmarc_run(None)
    assert statuses(absent, "DMARC-01") == [Status.INFO]
    assert "_dmarc.example.com. TXT" in next(f.fix for f in absent if f.id == "DMARC-01")


def test_inherited_policy_and_views() -> None:
    zone = {
        ("mail.example.com", "A"): ["192.0.2.1"],
        ("mail.example.com", "TXT"): ["v=spf1 a -all"],
    }
    found = run(
        dmarc,
        "mail.example.com",
        {
            **BASE,
            **zone,
            ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject; sp=quarantine"],
        },
    )
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}

    async def views() -> dmarc.DmarcPolicy:
        ctx = make_ctx(
            "mail.example.com",
            {("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject; sp=quarantine"]},
        )
        return await dmarc.get_policy(ctx)

    policy = asyncio.run(views())
    assert policy.effective_7489 == "quarantine" and policy.effective_9989 == "quarantine"
    assert policy.org_7489 == "example.com" and policy.org_9989 == "example.com"


def test_psd_walk_divergence() -> None:
    # A registry-style PSD record: RFC 9989 finds it by walking, RFC 7489 (PSL) never looks.
    zone = {("_dmarc.example", "TXT"): ["v=DMARC1; p=reject; psd=y"]}
    found = run(
        dmarc,
        "shop.example",
        {**zone, ("shop.example", "A"): ["192.0.2.1"]},
        extra_public_suffixes=("example",),
    )
    assert "DMARC-19" in flagged(found)["warn"]


def test_servfail_is_error() -> None:
    found = run(dmarc, D, {**BASE, (f"_dmarc.{D}", "TXT"): "SERVFAIL"})
    assert [(f.id, f.status) for f in found] == [("DMARC-01", Status.ERROR)]


def test_alignment_needs_spf_or_dkim() -> None:
    found = run(
        dmarc,
        D,
        {(D, "MX"): ["10 mx.example.com."], (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]},
    )
    assert flagged(found)["warn"] == {"DMARC-18"}


def _policy(domain: str, zone: dict[Any, Any]) -> dmarc.DmarcPolicy:
    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(domain, zone))

    return asyncio.run(go())


SUB = "sub.example.com"


def test_failed_parent_lookup_is_not_absence() -> None:
    # _dmarc.sub has nothing, _dmarc.example.com fails: the policy is unknown, not missing.
    zone = {**BASE, (SUB, "A"): ["192.0.2.1"], (f"_dmarc.{D}", "TXT"): "SERVFAIL"}
    found = run(dmarc, SUB, zone)
    assert [(f.id, f.status) for f in found] == [("DMARC-01", Status.ERROR)]
    policy = _policy(SUB, zone)
    assert policy.could_not_check and not policy.found
    # A clean absence is still a clean absence.
    assert not _policy(SUB, {(SUB, "A"): ["192.0.2.1"]}).could_not_check


def test_rfc7489_discards_invalid_records_then_asks_org_domain() -> None:
    zone = {
        **BASE,
        (SUB, "A"): ["192.0.2.1"],
        (f"_dmarc.{SUB}", "TXT"): ["v=dmarc1; p=none"],  # the version value is case-sensitive
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
    }
    policy = _policy(SUB, zone)
    assert policy.legacy_domain == D and policy.effective_7489 == "reject"
    assert policy.effective_9989 == "reject"
    found = run(dmarc, SUB, zone)
    assert flagged(found)["fail"] == {"DMARC-03"}
    assert statuses(found, "DMARC-19") == [Status.PASS]


def test_invalid_sp_or_np_spoils_the_record() -> None:
    # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1, also at the author domain itself.
    no_rua = _policy(D, {(f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject; sp=bogus"]})
    assert no_rua.effective_7489 is None and no_rua.effective_9989 is None
    rua = "v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.com"
    with_rua = _policy(D, {(f"_dmarc.{D}", "TXT"): [rua]})
    assert with_rua.effective_7489 == "none" and with_rua.effective_9989 == "none"
    found = dmarc_run("v=DMARC1; p=reject; sp=bogus")
    assert {"DMARC-05", "DMARC-07"} <= flagged(found)["fail"]
    assert "no DMARC" in next(f.summary for f in found if f.id == "DMARC-05" and f.status == "fail")
    # np is RFC 9989's: RFC 7489 receivers ignore it, so the views diverge.
    np = _policy(D, {(f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject; np=bogus"]})
    assert np.effective_7489 == "reject" and np.effective_9989 is None
    assert "DMARC-19" in flagged(dmarc_run("v=DMARC1; p=reject; np=bogus"))["warn"]
    # A valid sp still applies to subdomains only.
    parsed = dmarc.parse_dmarc("v=DMARC1; p=reject; sp=none")
    assert dmarc._policy_for(parsed, True, legacy=True) == "reject"
    assert dmarc._policy_for(parsed, False, legacy=False) == "none"


def test_invalid_ruf_alone_is_a_warning() -> None:
    found = dmarc_run("v=DMARC1; p=reject; rua=mailto:d@example.com; ruf=d@example.com")
    assert Status.FAIL not in statuses(found, "DMARC-12")
    assert Status.WARN in statuses(found, "DMARC-12")
    assert "DMARC-12" in flagged(dmarc_run("v=DMARC1; p=reject; rua=d@example.com"))["fail"]


def test_leading_whitespace_is_not_a_record() -> None:
    assert not dmarc.parse_dmarc(" v=DMARC1; p=reject").is_dmarc
    assert dmarc.parse_dmarc("V=DMARC1; p=reject").is_dmarc  # "v" is case-insensitive ABNF
    found = dmarc_run(" v=DMARC1; p=reject")
    assert "DMARC-03" in flagged(found)["fail"]


def test_failed_dkim_lookups_are_not_absent_keys() -> None:
    from checks import dkim

    zone: dict[Any, Any] = {(D, "MX"): ["10 mx.example.com."]}
    zone[(f"_dmarc.{D}", "TXT")] = ["v=DMARC1; p=reject"]
    for selector in dkim.COMMON_SELECTORS:
        zone[(f"{selector}._domainkey.{D}", "TXT")] = "SERVFAIL"
    assert not statuses(run(dmarc, D, zone), "DMARC-18")


def test_monitoring_is_judged_on_the_policy_the_domain_gets() -> None:
    # RFC 7489 §6.3, §6.6.3: a subdomain inheriting the organisational record gets sp=, not p=.
    news = "news.example.com"
    sub_zone = {**BASE, (news, "TXT"): ["v=spf1 -all"]}
    org = "v=DMARC1; p=none; sp=reject; rua=mailto:d@example.com"
    inherits = run(dmarc, news, {**sub_zone, (f"_dmarc.{D}", "TXT"): [org]})
    assert flagged(inherits) == {"fail": set(), "warn": set(), "error": set()}
    # The organisational domain itself still gets p=none.
    assert statuses(dmarc_run(org), "DMARC-06") == [Status.WARN]
    # p=reject; sp=none: the subdomain is the one left at monitoring only.
    open_sub = "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com"
    found = run(dmarc, news, {**sub_zone, (f"_dmarc.{D}", "TXT"): [open_sub]})
    (warning,) = [f for f in found if f.id == "DMARC-06"]
    assert "sp=none" in warning.summary and news in warning.summary
    assert warning.fix == ('_dmarc.example.com. TXT "v=DMARC1; p=reject; rua=mailto:d@example.com"')
    assert "DMARC-06" not in flagged(dmarc_run(open_sub))["warn"]


def test_monitoring_names_the_receivers_when_the_views_differ() -> None:
    # psd=n makes _dmarc.b.example.com the RFC 9989 Organizational Domain (§4.10.2), so its
    # sp=none applies to a.b.example.com; RFC 7489 asks the PSL org domain (quarantine).
    zone = {
        **BASE,
        ("_dmarc.b.example.com", "TXT"): [
            "v=DMARC1; p=reject; sp=none; psd=n; rua=mailto:d@example.com"
        ],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine; rua=mailto:d@example.com"],
    }
    found = run(dmarc, "a.b.example.com", zone)
    (warning,) = [f for f in found if f.id == "DMARC-06"]
    assert "sp=none" in warning.summary
    assert "for RFC 9989 receivers" in warning.summary
    assert "RFC 7489 receivers apply quarantine" in warning.summary
    assert warning.subject == "_dmarc.b.example.com"
    assert statuses(found, "DMARC-19") == [Status.WARN]


def test_a_record_below_the_organisational_domain_applies_to_its_own_name_only() -> None:
    # RFC 9989 §4.10.1 applies the author domain's, the Organizational Domain's or the PSD's
    # record; _dmarc.b.example.com is none of these for a.b.example.com (§4.10.2: example.com
    # has the fewest labels), so its p=reject; sp=none does not apply: example.com's p does.
    zone = {
        **BASE,
        ("_dmarc.b.example.com", "TXT"): ["v=DMARC1; p=reject; sp=none"],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine"],
    }
    found = run(dmarc, "a.b.example.com", zone)
    views = next(f for f in found if f.id == "DMARC-19")
    assert views.status == Status.PASS
    assert views.evidence["views"]["rfc9989"]["effective_policy"] == "quarantine"
    assert views.evidence["views"]["rfc9989"]["record_at"] == "_dmarc.example.com"
    assert not [f for f in found if f.id == "DMARC-07"]
    # At b.example.com itself the record applies, and sp= there has no effect (§4.7).
    sp = [f for f in run(dmarc, "b.example.com", zone) if f.id == "DMARC-07"]
    assert [f.status for f in sp] == [Status.INFO]


def test_a_long_suggested_record_is_split_into_255_octet_strings() -> None:
    # A long rua list made a one-string suggestion that zone files and DNS panels reject.
    rua = ",".join(f"mailto:dmarc-aggregate-{i}@reports{i}.example.com" for i in range(8))
    found = dmarc_run(f"v=DMARC1; p=none; rua={rua}")
    (fix,) = [f.fix for f in found if f.id == "DMARC-06" and f.fix]
    assert published(fix) == ("_dmarc.example.com", f"v=DMARC1; p=quarantine; rua={rua}")


def test_a_missing_semicolon_after_the_version_keeps_the_owners_policy() -> None:
    # "v=DMARC1 p=reject" parses as v="DMARC1 p=reject" with no p: the fix suggested p=none,
    # silently weakening the owner's reject. Only the version is repaired.
    for record in (
        "v=DMARC1 p=reject; rua=mailto:d@example.com",
        "v=DMARC1,p=reject; rua=mailto:d@example.com",
        "v=dmarc1; p=reject; rua=mailto:d@example.com",
    ):
        found = dmarc_run(record)
        (fix,) = [f.fix for f in found if f.id == "DMARC-03"]
        assert fix == '_dmarc.example.com. TXT "v=DMARC1; p=reject; rua=mailto:d@example.com"'


def test_monitoring_fixes_do_not_contradict_each_other() -> None:
    # Without rua the two DMARC-06 findings suggested p=quarantine without reports and
    # p=none with reports: only the second is a safe next step.
    found = dmarc_run("v=DMARC1; p=none")
    fixes = [f.fix for f in found if f.id == "DMARC-06" and f.fix]
    expected = f'_dmarc.example.com. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{D}"'
    assert fixes == [expected]
    # With reports flowing, quarantine is next, keeping the report address.
    found = dmarc_run("v=DMARC1; p=none; rua=mailto:d@example.com")
    fixes = [f.fix for f in found if f.id == "DMARC-06" and f.fix]
    assert fixes == ['_dmarc.example.com. TXT "v=DMARC1; p=quarantine; rua=mailto:d@example.com"']
    # sp=none under p=reject without reports: adding reports must not also end sp=none.
    found = dmarc_run("v=DMARC1; p=reject; sp=none", "news.example.com")
    fixes = [f.fix for f in found if f.id == "DMARC-06" and f.fix]
    assert fixes == [
        f'_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc-reports@{D}"'
    ]


def test_invented_report_mailboxes_come_from_example_address() -> None:
    # Pages say an invented mailbox is only an example (it may not exist: reports bounce); they
    # can only recognise it if every suggestion takes it from dmarc.example_address.
    assert dmarc.example_address("example.com") == "dmarc-reports@example.com"
    with mock.patch.object(dmarc, "example_address", lambda domain: f"sample@{domain}"):
        absent = next(f.fix for f in dmarc_run(None) if f.id == "DMARC-01")
        monitoring = [f.fix for f in dmarc_run("v=DMARC1; p=none") if f.fix]
        # An address without its mailto: is repaired, not replaced: only an unusable one is.
        bad_rua = dmarc_run("v=DMARC1; p=reject; rua=https://example.com/dmarc")
    assert "rua=mailto:sample@example.com" in absent
    assert monitoring and all("rua=mailto:sample@example.com" in fix for fix in monitoring)
    assert "rua=mailto:sample@example.com" in next(f.fix for f in bad_rua if f.id == "DMARC-12")
