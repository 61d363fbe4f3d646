"""Finding texts and fixes that misquoted the situation (s12 engine wording review).

- DANE-07 for an MX that negotiates only anonymous (aNULL) suites said it "presents a key that
  matches none of the TLSA records", with an empty fix: it presents no certificate at all.
- DMARC-17 for a tag given three times ('p=reject; p=rejectt; p=quarantine') came twice, the
  second quoting "(p=rejectt, then p=quarantine)": one finding now lists every value in order.
- DMARC-05 for 'v=DMARC1; rua=…; p:reject' (no p= tag) offered 'p=none' although the owner
  plainly chose reject, and every fix dropped the tags written with ':' (adkim:s, fo:1, …);
  the DMARC-03 fix also dropped repeats' valid values and report addresses cut off from rua.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import certs, dane, dmarc
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_dmarc_s8_records import D, findings, policy
from tests.test_spf import published
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe

RUA = "rua=mailto:a@example.com"


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


# ---- DANE-07: anonymous TLS -----------------------------------------------------------------


@pytest.mark.parametrize("usage", [3, 2])
def test_dane_07_says_an_anonymous_tls_server_presents_no_certificate(
    pki: Pki, tmp_path: Path, usage: int
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([HOST])
    tls = _server_context(tmp_path, [leaf, pki.inter])
    tls.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous suites
    tls.set_ciphers("aNULL:@SECLEVEL=0")
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == []
    # The records name the certificate the server holds but never sends.
    named = leaf.der if usage == 3 else pki.inter.der
    text = certs.tlsa_record_text(named, usage, 1, 1)
    record = dane.parse_tlsa_text(text).record
    assert record is not None
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[record], secure=True
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    (dane07,) = [f for f in out.findings if f.id == "DANE-07"]
    assert dane07.status == Status.FAIL
    assert "presents no certificate" in dane07.summary
    assert "anonymous TLS" in dane07.summary and probe.cipher in dane07.summary
    assert "no TLSA record" in dane07.summary and "can match" in dane07.summary
    assert "key that matches none" not in dane07.summary
    assert "certificate whose key the TLSA records" in dane07.fix
    assert "disable anonymous (aNULL) cipher suites" in dane07.fix
    assert [f.status for f in out.findings if f.id == "DANE-14"] == [Status.WARN]


# ---- DMARC-17: a tag given three times ------------------------------------------------------


def test_a_policy_given_three_times_with_an_invalid_value_is_one_finding_quoting_all() -> None:
    record = "v=DMARC1; p=reject; p=rejectt; p=quarantine"
    found = findings(record)
    (dmarc17,) = of(found, "DMARC-17")
    assert "(p=reject, then p=rejectt, then p=quarantine)" in dmarc17.summary
    # Counted as invalid (one value is), and without rua that is no DMARC at all.
    assert "p=rejectt is not a valid policy" in dmarc17.summary
    assert "rather than p=reject or p=quarantine apply no DMARC at all" in dmarc17.summary
    applied = policy(D, {(f"_dmarc.{D}", "TXT"): [record]})
    assert (applied.effective_7489, applied.effective_9989) == (None, None)
    (dmarc05,) = of(found, "DMARC-05")
    assert dmarc05.status == Status.FAIL
    # The fixes keep the weaker of the valid values, once.
    assert published(dmarc05.fix)[1] == published(dmarc17.fix)[1] == "v=DMARC1; p=quarantine"


def test_two_invalid_values_of_three_are_both_named() -> None:
    found = findings(f"v=DMARC1; p=rejectt; p=none; {RUA}; p=quarantin")
    (dmarc17,) = of(found, "DMARC-17")
    assert "(p=rejectt, then p=none, then p=quarantin)" in dmarc17.summary
    assert "p=rejectt and p=quarantin are not valid policies" in dmarc17.summary
    assert "receivers that read an invalid one rather than p=none act as if" in dmarc17.summary


def test_three_valid_policies_count_as_the_weakest_in_one_finding() -> None:
    record = f"v=DMARC1; p=reject; p=none; {RUA}; p=quarantine"
    assert dmarc.parse_dmarc(record).policy("p") == "none"
    found = findings(record)
    (dmarc17,) = of(found, "DMARC-17")
    assert "(p=reject, then p=none, then p=quarantine)" in dmarc17.summary
    assert "counts the weakest one, p=none" in dmarc17.summary
    assert dmarc17.summary.endswith("Keep one 'p' tag.")


def test_three_rua_tags_are_one_finding_and_every_address_counts() -> None:
    record = (
        "v=DMARC1; p=reject; rua=mailto:a@example.com; rua=mailto:b@example.com; "
        "rua=mailto:c@example.com"
    )
    (dmarc17,) = of(findings(record), "DMARC-17")
    assert (
        "(rua=mailto:a@example.com, then rua=mailto:b@example.com, then "
        "rua=mailto:c@example.com)" in dmarc17.summary
    )
    assert "counts the addresses of all of them" in dmarc17.summary
    assert published(dmarc17.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com,mailto:c@example.com"
    )


# ---- DMARC-05 and every fix: a tag written with ':' -----------------------------------------


def test_dmarc_05_fix_publishes_the_policy_written_with_a_colon() -> None:
    found = findings(f"v=DMARC1; {RUA}; p:reject")
    (dmarc05,) = of(found, "DMARC-05")
    assert dmarc05.status == Status.WARN
    assert "the record's 'p:reject' is not read as a policy" in dmarc05.summary
    assert "treat the record as p=none" in dmarc05.summary
    assert published(dmarc05.fix)[1] == f"v=DMARC1; p=reject; {RUA}"
    # DMARC-06 (receivers do see p=none) offers the owner's policy too, not a weaker step.
    (dmarc06,) = of(found, "DMARC-06")
    assert published(dmarc06.fix)[1] == f"v=DMARC1; p=reject; {RUA}"
    # DMARC-17 still says how the tag is written.
    assert any("(p=reject)" in f.summary for f in of(found, "DMARC-17"))


def test_an_invalid_policy_written_with_a_colon_still_gets_p_none() -> None:
    (dmarc05,) = of(findings(f"v=DMARC1; {RUA}; p:rejectt"), "DMARC-05")
    assert "the record's 'p:rejectt' is not read as a policy" in dmarc05.summary
    assert published(dmarc05.fix)[1] == f"v=DMARC1; p=none; {RUA}"


@pytest.mark.parametrize("written", ["p==reject", "p=:reject"])
def test_a_stray_equals_or_colon_in_the_value_keeps_the_policy_in_the_fix(written: str) -> None:
    (dmarc05,) = of(findings(f"v=DMARC1; {written}; {RUA}"), "DMARC-05")
    assert dmarc05.status == Status.FAIL
    assert published(dmarc05.fix)[1] == f"v=DMARC1; p=reject; {RUA}"


def test_no_fix_drops_the_tags_written_with_a_colon() -> None:
    record = (
        f"v=DMARC1; {RUA}; p:reject; sp:quarantine; np:reject; adkim:s; aspf:s; "
        "ruf:mailto:f@example.com; fo:1; pct=50; t=y"
    )
    fixes = {f.id: published(f.fix)[1] for f in findings(record) if f.fix}
    assert set(fixes) >= {"DMARC-05", "DMARC-08", "DMARC-09"}
    kept = (
        f"v=DMARC1; p=reject; sp=quarantine; np=reject; {RUA}; "
        "ruf=mailto:f@example.com; fo=1; adkim=s; aspf=s"
    )
    for check_id, fixed in fixes.items():
        # pct and t go from every fix, as DMARC-08 and DMARC-09 ask: each fix is the one
        # record with all the repairs (dmarc.RecordRepairs), so none brings the other back.
        assert fixed == kept, check_id


def test_report_addresses_written_with_a_colon_are_kept() -> None:
    found = findings("v=DMARC1; p=none; rua:mailto:b@example.com")
    fixes = {published(f.fix)[1] for f in found if f.fix}
    assert fixes == {"v=DMARC1; p=none; rua=mailto:b@example.com"}


@pytest.mark.parametrize(
    ("record", "fixed"),
    [
        (
            f"v=dmarc1; {RUA}; p:reject; adkim:s",
            f"v=DMARC1; p=reject; {RUA}; adkim=s",
        ),
        (
            f"v=dmarc1; p=reject; p=rejectt; {RUA}; mailto:b@example.com",
            "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
        ),
        (f"p=reject; v=DMARC1; {RUA}", f"v=DMARC1; p=reject; {RUA}"),
    ],
)
def test_the_dmarc_03_fix_keeps_everything_the_owner_wrote(record: str, fixed: str) -> None:
    (dmarc03,) = of(findings(record), "DMARC-03")
    assert published(dmarc03.fix)[1] == fixed
