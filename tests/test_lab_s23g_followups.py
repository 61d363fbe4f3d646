"""Follow-ups of blind round s23e (engine texts), part 2: what the engine says about four of its
domains (tests/lab/scenarios/s23e_*.toml), read from the shared reports
(tests.test_engine_lab.scenario_report), plus the engine functions behind them without the lab.

- s23e-hostcname: SMTP-11's fix for an MX that is an alias (CNAME) of a hoster's shared server,
  whose certificate names the alias's target, said to install a certificate naming the MX name
  there; it now gives MTASTS-32's advice (mtasts.alias_certificate_fix): the target in the
  policy under a new id, the MX pointed at it, or a certificate from the server's operator.
  Without a policy senders apply, only the MX record changes.
- s23e-pfwrongname, s23e-pfrenewkey: DANE-06 said "uses 2 1 1; the recommended form is '3 1 1'"
  with a 3 1 1 published beside it; that pair is the usual rollover setup (RFC 7671 §8.1), and
  DANE-06 says so (still info).
- s23e-pfexpired, s23e-pfwrongname: DANE-08 said "expired or not valid for"; it says which.
- s23e-spfplusall: SPF-09's fail for an included '+all' record said to remove the include and
  had no fix; the fix is the owner's record without that include, all else as written (as
  SPF-05 proposes the record without its copies).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from checks import certs, spf, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, DomainReport, Finding, Mechanism, Status
from checks.mx import MxHost, MxSet
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_certs import Pki, make_leaf
from tests.test_dane import MX1, _evaluate, _good_probe, _mx_zone
from tests.test_spf import make_ctx, published

P, INFO, W, F = Status.PASS, Status.INFO, Status.WARN, Status.FAIL

LABELS = ("hostcname", "pfwrongname", "pfrenewkey", "pfexpired", "spfplusall")
SCENARIOS: dict[str, Scenario] = {
    s.path.stem.removeprefix("s23e_"): s
    for s in load_scenarios()
    if s.path.stem in {f"s23e_{label}" for label in LABELS}
}
# Checked together up front with the other selected scenarios (tests.lab.pytest_plugin).
SCENARIO_REPORTS = list(SCENARIOS.values())
assert set(SCENARIOS) == set(LABELS)


def _report(lab: Any, label: str) -> DomainReport:
    from tests.test_engine_lab import scenario_report

    report = scenario_report(lab, SCENARIOS[label])
    assert not report.error, report.error
    return report


def _d(label: str) -> str:
    return f"s23e-{label}.lab.test"


def _mx(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


def _one(report: DomainReport, check_id: str, subject: str) -> Finding:
    [found] = [f for f in report.findings if f.id == check_id and f.subject.startswith(subject)]
    return found


# ------------------------------------------------------- 1. SMTP-11 for an MX that is a CNAME

HOSTER = "mx.s23ehost-d.test"


@pytest.mark.lab
def test_hostcname_smtp11_gives_the_alias_advice_mtasts32_gives(lab: Any) -> None:
    from tests.test_engine_lab import assert_rows, readable_text

    report = _report(lab, "hostcname")
    mail = _mx("mail", "hostcname")
    assert_rows(
        report,
        [
            (
                "SMTP-11",
                F,
                (
                    f"{mail} is an alias (cname) of {HOSTER}, whose certificate names {HOSTER}",
                    "add to the policy file, then give the record a new id",
                    f"mx: {HOSTER}",
                    f"then point the mx at it:\\n{_d('hostcname')}. mx 10 {HOSTER}.",
                    f"or have the operator of {HOSTER} install a certificate",
                ),
            )
        ],
        readable_text,
    )
    smtp11 = _one(report, "SMTP-11", mail)
    assert "whose subjectAltName includes" not in smtp11.fix
    # One text for both: MTASTS-32 adds only what its mode switch needs after it.
    assert _one(report, "MTASTS-32", mail).fix.startswith(smtp11.fix + "\n")


DOMAIN = "example.org"
ALIAS = f"mail.{DOMAIN}"
TARGET = "mx.hoster.example"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _probe_of(pki: Pki, tmp: Path, sans: list[str]) -> tuple[starttls.SmtpProbe, CheckConfig]:
    """A STARTTLS probe of ALIAS whose server presents a leaf for `sans` (and its CA), its
    chain judged as a real probe's is (starttls._analyse_chain)."""
    assert pki.inter is not None
    config = CheckConfig(allow_private_targets=True, ca_bundle=pki.bundle(str(tmp / "ca.pem")))
    probe = starttls.SmtpProbe(
        host=ALIAS,
        address="192.0.2.25",
        connected=True,
        banner_code=220,
        banner=f"{TARGET} ESMTP",
        ehlo_ok=True,
        extensions=["PIPELINING", "STARTTLS"],
        starttls_offered=True,
        starttls_reply="220 2.0.0 Ready to start TLS",
        tls_ok=True,
        tls_version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        post_tls_ehlo_ok=True,
        no_sni_ok=True,
        chain_der=[pki.leaf(sans).der, pki.inter.der],
    )
    starttls._analyse_chain(config, probe)
    return probe, config


def _smtp11(
    pki: Pki, tmp: Path, *, mode: str | None, sans: list[str], alias: bool = True
) -> Finding:
    """SMTP-11 as the STARTTLS check gives it for ALIAS (a CNAME of TARGET when `alias`) under
    an MTA-STS policy in `mode` listing ALIAS (None: no policy)."""
    probe, config = _probe_of(pki, tmp, sans)
    host = MxHost(ALIAS, 10, addresses=[probe.address], cname_target=TARGET if alias else None)
    mxset = MxSet(DnsAnswer(DOMAIN, "MX", "NOERROR"), hosts=[host])
    policy = starttls._Context(sts_mode=mode, sts_usable=mode is not None, patterns=[ALIAS])
    out = Collector(Mechanism.SMTP)
    starttls._per_probe(out, host, probe, policy, None, CheckContext(DOMAIN, config), mxset)
    [found] = [f for f in out.findings if f.id == "SMTP-11"]
    return found


def test_smtp11_for_an_alias_names_the_policy_step_when_senders_apply_a_policy(
    pki: Pki, tmp_path: Path
) -> None:
    for mode, status in (("enforce", F), ("testing", W)):
        found = _smtp11(pki, tmp_path, mode=mode, sans=[TARGET])
        assert found.status == status  # as before: the fix changes, not the verdict
        assert f"is an alias (CNAME) of {TARGET}, whose certificate names {TARGET}" in found.fix
        assert f"add to the policy file, then give the record a new id:\nmx: {TARGET}\n" in (
            found.fix
        )
        assert f"then point the MX at it:\n{DOMAIN}. MX 10 {TARGET}.\n" in found.fix
        assert (
            f"Or have the operator of {TARGET} install a certificate that also names {ALIAS}"
            in (found.fix)
        )
        assert "subjectAltName includes" not in found.fix


def test_smtp11_for_an_alias_without_a_policy_only_points_the_mx(pki: Pki, tmp_path: Path) -> None:
    for mode in (None, "none"):
        found = _smtp11(pki, tmp_path, mode=mode, sans=[TARGET])
        assert found.status == W
        assert "policy" not in found.fix and "mx: " not in found.fix
        assert f"Use the server's own name: point the MX at it:\n{DOMAIN}. MX 10 {TARGET}.\n" in (
            found.fix
        )
        assert found.fix.endswith(
            f"Or have the operator of {TARGET} install a certificate that also names {ALIAS}."
        )


def test_smtp11_keeps_the_certificate_advice_where_pointing_the_mx_would_not_help(
    pki: Pki, tmp_path: Path
) -> None:
    # Not an alias; an alias whose server's certificate names neither name.
    for alias, sans in ((False, [TARGET]), (True, ["other.hoster.example"])):
        found = _smtp11(pki, tmp_path, mode="enforce", sans=sans, alias=alias)
        assert found.status == F
        advice = f"Install a certificate whose subjectAltName includes {ALIAS}"
        if alias:
            # The hoster's server: the advice is passed on to its operator (s34z).
            assert found.fix.startswith(f"{TARGET} is in hoster.example, not in your domain")
            assert f"\n{advice}" in found.fix
        else:
            assert found.fix.startswith(advice)


# ------------------------------------------------------- 2. DANE-06: the 3 1 1 + 2 1 1 pair


@pytest.mark.lab
@pytest.mark.parametrize("label", ["pfwrongname", "pfrenewkey"])
def test_a_3_1_1_with_a_2_1_1_beside_it_is_called_the_rollover_pair(lab: Any, label: str) -> None:
    report = _report(lab, label)
    for host in ("mx1", "mx2"):
        found = _one(report, "DANE-06", f"_25._tcp.{_mx(host, label)}")
        assert found.status == INFO, found.summary  # unchanged
        assert "the usual rollover pair" in found.summary
        assert "'3 1 1'" in found.summary and "'2 1 1'" in found.summary
        assert "the recommended form is" not in found.summary


def _dane06(pki: Pki, records: list[str]) -> Finding:
    assert pki.inter is not None
    zone, _ = _mx_zone(pki, MX1)
    leaf = pki.leaf([MX1])
    zone[(f"_25._tcp.{MX1}", "TLSA")] = records
    [found] = [
        f
        for f in _evaluate(zone, _good_probe({MX1: [leaf.der, pki.inter.der]}))
        if f.id == "DANE-06"
    ]
    return found


def test_dane06_says_the_pair_and_still_names_other_forms(pki: Pki) -> None:
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    pair = _dane06(pki, [ee, ta])
    assert pair.status == INFO and "the usual rollover pair" in pair.summary
    assert "recommended form is" not in pair.summary
    # A 2 1 1 alone is not the pair: the recommended form is still named.
    alone = _dane06(pki, [ta])
    assert alone.status == INFO and "uses 2 1 1; the recommended form is '3 1 1'" in alone.summary
    # Another form beside the pair is still named, the pair's 2 1 1 is not.
    more = _dane06(pki, [ee, ta, certs.tlsa_record_text(leaf.der, 3, 0, 1)])
    assert more.status == INFO and "uses 3 0 1;" in more.summary
    # 3 1 1 alone passes, as before.
    assert _dane06(pki, [ee]).status == P


# ------------------------------------------------------- 3. DANE-08: expired, or misnamed


@pytest.mark.lab
def test_dane08_says_which_of_expired_and_misnamed_applies(lab: Any) -> None:
    expired = _one(_report(lab, "pfexpired"), "DANE-08", _mx("mx2", "pfexpired"))
    assert expired.status == INFO
    assert "the certificate has expired (see SMTP-10)" in expired.summary
    assert "not valid for" not in expired.summary
    misnamed = _one(_report(lab, "pfwrongname"), "DANE-08", _mx("mx2", "pfwrongname"))
    assert misnamed.status == INFO
    assert (
        f"the certificate is not valid for {_mx('mx2', 'pfwrongname')} (see SMTP-11)"
        in misnamed.summary
    )
    assert "expired" not in misnamed.summary


def _dane08(pki: Pki, *, sans: list[str], expired: bool) -> Finding:
    """DANE-08 for MX1 presenting a leaf for `sans` (expired or not) that its 3 1 1 matches."""
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, sans, expired=expired)
    zone, _ = _mx_zone(pki, MX1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [certs.tlsa_record_text(leaf.der, 3, 1, 1)]
    good = _good_probe({MX1: [leaf.der, pki.inter.der]})

    def probe(host: str, address: str) -> starttls.SmtpProbe:
        p = good(host, address)
        p.name_ok = certs.san_matches(p.chain_der[0], host)
        return p

    [found] = [f for f in _evaluate(zone, probe) if f.id == "DANE-08"]
    return found


def test_dane08_names_each_lapse_on_its_own_and_both_together(pki: Pki) -> None:
    cases = {
        (True, False): "has expired (see SMTP-10)",
        (False, True): f"is not valid for {MX1} (see SMTP-11)",
        (True, True): f"has expired and is not valid for {MX1} (see SMTP-10 and SMTP-11)",
    }
    for (expired, misnamed), words in cases.items():
        found = _dane08(pki, sans=["other.ex.com"] if misnamed else [MX1], expired=expired)
        assert found.status == INFO
        assert f"the certificate {words}, which DANE-EE senders ignore" in found.summary
        assert "expired or not valid" not in found.summary
    assert _dane08(pki, sans=[MX1], expired=False).status == P


# ------------------------------------------------------- 4. SPF-09: an included '+all' record

NEWS = "_spf.s23enews-f.test"


@pytest.mark.lab
def test_spfplusall_proposes_the_record_without_the_open_include(lab: Any) -> None:
    report = _report(lab, "spfplusall")
    found = _one(report, "SPF-09", _d("spfplusall"))
    assert found.status == F and found.evidence["open_include"] == [NEWS]
    line, _, note = found.fix.partition("\n")
    name, record = published(line)
    assert name == _d("spfplusall")
    assert record == "v=spf1 include:_spf.s23email-f.test -all"
    assert NEWS in note


def _spf09(record: str, zone: dict[tuple[str, str], list[str]]) -> Finding:
    domain = "example.com"
    ctx = make_ctx(domain, {(domain, "TXT"): [record], **zone})
    [found] = [f for f in asyncio.run(spf.evaluate(ctx)) if f.id == "SPF-09"]
    return found


OPEN = {("news.example.net", "TXT"): ["v=spf1 ip4:203.0.113.0/24 +all"]}
MAIL = {("_spf.mail.example", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"]}


def test_the_fix_drops_only_the_open_include_and_keeps_the_rest_as_written() -> None:
    record = "v=spf1 MX ip4:192.0.2.1 include:news.example.net +include:_spf.mail.example ~all"
    found = _spf09(record, {**OPEN, **MAIL})
    assert found.status == F
    _, proposed = published(found.fix.partition("\n")[0])
    # Spelling, order and ending kept (the ending is SPF-09's own business once the include
    # is gone: '~all' is then its info).
    assert proposed == "v=spf1 MX ip4:192.0.2.1 +include:_spf.mail.example ~all"
    assert _spf09(proposed, {**OPEN, **MAIL}).status == INFO


def test_the_fix_drops_the_owners_include_through_which_the_open_record_is_reached() -> None:
    zone = {**OPEN, ("_spf.vendor.example", "TXT"): ["v=spf1 include:news.example.net -all"]}
    found = _spf09("v=spf1 a include:_spf.vendor.example -all", zone)
    assert found.status == F
    assert found.evidence["open_include"] == ["_spf.vendor.example", "news.example.net"]
    _, proposed = published(found.fix.partition("\n")[0])
    assert proposed == "v=spf1 a -all"
    assert _spf09(proposed, zone).status == P
    # In a redirect target's record the include is not the owner's to drop: no record.
    zone = {**OPEN, ("_spf.host.example", "TXT"): ["v=spf1 include:news.example.net -all"]}
    found = _spf09("v=spf1 redirect=_spf.host.example", zone)
    assert found.status == F and found.fix == ""
