"""Engine defects a reviewer confirmed in the s12 commits (second review).

- DMARC fixes dropped the owner's '!size' report limit ('rua=mailto:d@example.com!10m' became
  'rua=mailto:d@example.com' in every suggested record).
- A fix not about sp weakened subdomain enforcement: 'p=reject; sp:none; pct=50' (receivers
  ignore 'sp:none', so subdomains get reject) got the DMARC-08 fix 'p=reject; sp=none', on
  which the engine then raised DMARC-07. A tag written with ':' whose '=' form lowers what
  receivers apply now is written only by the DMARC-17 fix about it, which says so.
- An MX offering anonymous (aNULL) and certificate suites and preferring the anonymous ones
  picked AECDH from the probe's 'ALL' and sent no certificate: SMTP-09 and DANE-07 failed as
  for an anonymous-only server, though senders that authenticate offer no aNULL
  (DEFAULT:!aNULL) and get its certificate. One more handshake without aNULL now asks as
  they do; only a refusal means anonymous-only, no answer is "not tested".
- DANE-01's fix for an MX without TLSA told an owner whose MX speaks only HELO, or only
  anonymous TLS, to sign the zone and publish TLSA, which would make DANE senders stop
  delivering there (DANE-10, DANE-07): it now says TLS must work first.

Real aiosmtpd servers on 127.0.0.1 (tests/test_starttls.py); no lab.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.smtp import SMTP

from checks import certs, dane, dmarc, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_dmarc_s8_records import BASE, D, findings
from tests.test_spf import published, run
from tests.test_starttls import HOST, _Handler, _serve, aiosmtpd_server, run_probe
from tests.test_starttls_s11_dual_certs import _all


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


# ---- DMARC: the '!size' report limit ---------------------------------------------------------


def test_every_dmarc_fix_keeps_the_report_size_limits() -> None:
    record = (
        "v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com!10m; "
        "ruf=mailto:f@example.com!1k; fo=1"
    )
    (dmarc08,) = of(findings(record), "DMARC-08")
    assert published(dmarc08.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m; ruf=mailto:f@example.com!1k; fo=1"
    )


def test_a_bare_mailbox_keeps_its_size_limit_and_one_address_is_kept_once() -> None:
    # DMARC-12 repairs the bare mailbox to mailto:, its limit kept; the same mailbox given
    # again later (without a limit) is not listed twice.
    record = "v=DMARC1; p=reject; rua=d@example.com!10m,mailto:e@example.com,mailto:d@example.com"
    fixes = {published(f.fix)[1] for f in of(findings(record), "DMARC-12") if f.fix}
    assert fixes == {"v=DMARC1; p=reject; rua=mailto:d@example.com!10m,mailto:e@example.com"}


def test_the_merged_record_lists_a_mailbox_once_whatever_its_size_limits() -> None:
    records = [
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m",
        "v=DMARC1; p=reject; rua=mailto:d@example.com,mailto:e@example.com!1m",
    ]
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): records}
    (dmarc02,) = [f for f in run(dmarc, D, zone) if f.id == "DMARC-02" and f.fix]
    # The records are read in sorted order (the same whatever DNS order): the '!10m' one first.
    assert published(dmarc02.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m,mailto:e@example.com!1m"
    )


# ---- DMARC: a tag written with ':' is not promoted by other fixes when that weakens ----------

RUA = "rua=mailto:d@example.com"


def test_a_pct_fix_does_not_turn_an_ignored_sp_none_into_sp_none() -> None:
    found = findings(f"v=DMARC1; p=reject; sp:none; pct=50; {RUA}")
    (dmarc08,) = of(found, "DMARC-08")
    fixed = published(dmarc08.fix)[1]
    assert fixed == f"v=DMARC1; p=reject; {RUA}"
    assert not of(findings(fixed), "DMARC-07")  # subdomains keep reject
    # The fix about the element writes it, and says what that changes.
    (dmarc17,) = of(found, "DMARC-17")
    assert "(sp=none)" in dmarc17.summary
    assert "subdomains get reject now" in dmarc17.summary
    assert "written as sp=none they would get none" in dmarc17.summary
    # Without pct too, as DMARC-08 asks of every fix of the record (dmarc.RecordRepairs).
    assert published(dmarc17.fix)[1] == f"v=DMARC1; p=reject; sp=none; {RUA}"


@pytest.mark.parametrize(
    ("record", "fixed"),
    [
        # np:none under p=reject: non-existent subdomains get reject now.
        (f"v=DMARC1; p=reject; np:none; pct=50; {RUA}", f"v=DMARC1; p=reject; {RUA}"),
        # np:quarantine under sp=none: not weaker than the none they get now, so kept.
        (
            f"v=DMARC1; p=reject; sp=none; np:quarantine; pct=50; {RUA}",
            f"v=DMARC1; p=reject; sp=none; np=quarantine; {RUA}",
        ),
        # Stricter alignment and a stronger sp are the owner's choice: kept.
        (
            f"v=DMARC1; p=quarantine; sp:reject; adkim:s; aspf:s; pct=50; {RUA}",
            f"v=DMARC1; p=quarantine; sp=reject; {RUA}; adkim=s; aspf=s",
        ),
        # A sample or test mode receivers do not see now is not started by another fix.
        (
            f"v=DMARC1; p=reject; pct=50; t:y; psd:y; {RUA}; fo:1",
            f"v=DMARC1; p=reject; {RUA}; fo=1",
        ),
    ],
)
def test_other_fixes_write_a_colon_tag_only_when_it_lowers_nothing(record: str, fixed: str) -> None:
    (dmarc08,) = of(findings(record), "DMARC-08")
    assert published(dmarc08.fix)[1] == fixed


@pytest.mark.parametrize(
    ("element", "note"),
    [
        ("pct:50", "would apply it to 50%"),
        ("t:y", "would apply one step less"),
        ("psd:y", "Organizational Domain"),
    ],
)
def test_dmarc_17_says_what_writing_a_lowering_tag_changes(element: str, note: str) -> None:
    found = findings(f"v=DMARC1; p=reject; {element}; {RUA}")
    (dmarc17,) = of(found, "DMARC-17")
    assert dmarc17.status == Status.WARN
    assert note in dmarc17.summary
    assert published(dmarc17.fix)[1] == f"v=DMARC1; p=reject; {RUA}; {element.replace(':', '=')}"


def test_the_dmarc_03_fix_still_writes_every_colon_tag() -> None:
    # Receivers ignore this record whole: nothing it says applies now, nothing is lowered.
    (dmarc03,) = of(findings(f"v=dmarc1; p=reject; sp:none; pct:50; {RUA}"), "DMARC-03")
    assert published(dmarc03.fix)[1] == f"v=DMARC1; p=reject; sp=none; {RUA}; pct=50"


# ---- STARTTLS / DANE: a server preferring anonymous suites ----------------------------------

BOTH = "aNULL:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _tls(tmp: Path, pki: Pki, ciphers: str, *leaves: Issued) -> ssl.SSLContext:
    """TLS 1.2 at most (TLS 1.3 has no anonymous suites), each leaf with the intermediate,
    the server's order of `ciphers` preferred."""
    assert pki.inter is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for index, leaf in enumerate(leaves):
        cert, key = tmp / f"leaf{index}.pem", tmp / f"leaf{index}.key"
        cert.write_bytes(leaf.pem + pki.inter.pem)
        key.write_bytes(leaf.key_pem)
        context.load_cert_chain(str(cert), str(key))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(ciphers)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def _first_connection_only(tls: ssl.SSLContext) -> Callable[[], Awaitable[asyncio.Server]]:
    """An MX that serves its first connection and answers every later one '421' (busy): the
    extra handshakes never reach TLS."""
    count = 0

    class Busy(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(b"421 4.3.2 mx1.example.test busy, try later\r\n")
            transport.close()

    def factory() -> asyncio.Protocol:
        nonlocal count
        count += 1
        if count == 1:
            return SMTP(_Handler(), hostname=HOST, tls_context=tls, require_starttls=False)
        return Busy()

    return lambda: _serve(factory)


def _state(der: bytes, usage: int = 3) -> dane.TlsaState:
    record = dane.parse_tlsa_text(certs.tlsa_record_text(der, usage, 1, 1)).record
    assert record is not None
    return dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[record], secure=True
    )


def _dane(probe: starttls.SmtpProbe, state: dane.TlsaState) -> list[Finding]:
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    return out.findings


def test_a_server_preferring_anonymous_suites_is_judged_on_the_certificate_senders_get(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([HOST])  # ECDSA
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, BOTH, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    assert probe.tls_ok and probe.cipher == "AECDH-AES256-SHA"  # what our 'ALL' got
    assert probe.anon_cert == "other" and probe.cert_cipher == "ECDHE-ECDSA-AES256-GCM-SHA384"
    assert probe.chain_der == [leaf.der, pki.inter.der] and probe.verify_ok and probe.mta_sts_ok
    # Bounded: the first session, the handshake without aNULL, the one without SNI, the one
    # with old TLS versions, then the RSA question (an ECDSA leaf) twice, as aiosmtpd hangs up
    # on RSA-only suites instead of alerting.
    assert probe.rsa_cert == "none"
    assert probe.connections == 6
    found = _all(probe, under_sts=True)
    status = {f.id: f.status for f in found}
    assert status["SMTP-09"] == status["SMTP-10"] == status["SMTP-11"] == Status.PASS
    assert [f.id for f in found if f.status == Status.FAIL] == []
    (smtp08,) = [f for f in found if f.id == "SMTP-08"]
    assert smtp08.status == Status.WARN
    assert "prefers the anonymous suite AECDH-AES256-SHA" in smtp08.summary
    assert "ECDHE-ECDSA-AES256-GCM-SHA384 and its certificate" in smtp08.summary
    (smtp13,) = [f for f in found if f.id == "SMTP-13"]
    assert "with an anonymous suite, no certificate" in smtp13.summary
    assert probe.facts()["anonymous_suite"]["certificate_handshake"] == "other"
    # DANE: the '3 1 1' record of the leaf matches what DANE senders get.
    dane_found = _dane(probe, _state(leaf.der))
    by_id = {f.id: f for f in dane_found}
    assert by_id["DANE-07"].status == Status.PASS
    assert by_id["DANE-08"].status == Status.PASS
    assert by_id["DANE-14"].status == Status.WARN
    assert "although suites with a certificate were offered" in by_id["DANE-14"].summary
    assert [f.id for f in dane_found if f.status == Status.FAIL] == []
    # DANE-TA on the intermediate too.
    assert pki.inter is not None
    ta = {f.id: f.status for f in _dane(probe, _state(pki.inter.der, usage=2))}
    assert ta["DANE-07"] == ta["DANE-09"] == Status.PASS


def test_with_an_rsa_certificate_beside_the_first_the_rsa_question_is_one_more(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    ecdsa, rsa = pki.leaf([HOST]), make_leaf(pki.inter, [HOST], rsa_bits=2048)
    # ECDSA preferred to RSA, anonymous to both: the certificate question gets the ECDSA one.
    order = "aNULL:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0"
    tls = _tls(tmp_path, pki, order, ecdsa, rsa)
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.anon_cert == "other" and probe.chain_der[0] == ecdsa.der
    assert probe.rsa_cert == "other" and probe.rsa_variant is not None
    assert probe.rsa_variant.chain_der[0] == rsa.der
    # First session, without aNULL, without SNI, old TLS, RSA only: one each.
    assert probe.connections == 5


def test_an_anonymous_only_server_keeps_its_failures(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.leaf([HOST])
    tls = _tls(tmp_path, pki, "aNULL:@SECLEVEL=0", leaf)
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.anon_cert == "none" and probe.chain_der == []
    # The handshake without aNULL is refused (aiosmtpd hangs up: twice), no RSA question.
    assert probe.connections == 5
    status = {f.id: f.status for f in _all(probe, under_sts=True)}
    assert status["SMTP-09"] == Status.FAIL
    assert {f.id: f.status for f in _dane(probe, _state(leaf.der))}["DANE-07"] == Status.FAIL


def test_no_answer_to_the_handshake_without_anonymous_suites_is_not_tested(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([HOST])
    tls = _tls(tmp_path, pki, BOTH, leaf)
    probe = run_probe(_first_connection_only(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == [] and probe.anon_cert == "untested"
    found = _all(probe, under_sts=True)
    (smtp09,) = [f for f in found if f.id == "SMTP-09"]
    assert smtp09.status == Status.ERROR and "could not be tested" in smtp09.summary
    assert [f.id for f in found if f.status == Status.FAIL] == []
    dane_found = _dane(probe, _state(leaf.der))
    by_id = {f.id: f.status for f in dane_found}
    assert by_id["DANE-07"] == Status.ERROR and by_id["DANE-14"] == Status.WARN
    assert [f.id for f in dane_found if f.status == Status.FAIL] == []
    assert "DANE-12" not in by_id  # nothing was matched against the records
    # MTASTS-32/36 count the address as could-not-check, not as failing validation.
    assert mtasts._probe_verdict(probe) == "error"


# ---- DANE-01: TLS first ---------------------------------------------------------------------


def _dane_01_fix(probe: starttls.SmtpProbe, *, signed: bool) -> str:
    ctx = CheckContext("example.test", CheckConfig())
    answer = SimpleNamespace(ad=signed, cnames=[], rcode="NOERROR", evidence=lambda: {})
    state = dane.TlsaState(host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", answer=answer)  # type: ignore[arg-type]
    mxset = SimpleNamespace(implicit=False, answer=SimpleNamespace(ad=signed))
    out = Collector(Mechanism.DANE)
    # A host with an address, as a probed one has (DANE-01 reads it since b339a3f).
    host = SimpleNamespace(name=HOST, addresses=["192.0.2.1"], lookup_failed=False, bogus=False)
    dane._host_findings(out, ctx, host, state, [probe], mxset)
    (dane01,) = [f for f in out.findings if f.id == "DANE-01"]
    assert dane01.status == Status.INFO
    return dane01.fix


HELO_ONLY = starttls.SmtpProbe(
    host=HOST,
    address="127.0.0.1",
    connected=True,
    helo_only=True,
    problem="EHLO was answered 502 5.5.2 Error: command not recognized; only HELO was accepted",
)


def test_dane_01_says_tls_must_work_first_on_a_helo_only_mx() -> None:
    fix = _dane_01_fix(HELO_ONLY, signed=False)
    assert fix.startswith(f"1. Make TLS work on {HOST} first: it accepts only HELO")
    assert "2. Sign example.test with DNSSEC" in fix
    assert "DANE-10" in fix
    # Signed already: that is the whole advice (there was none).
    assert _dane_01_fix(HELO_ONLY, signed=True).startswith(f"1. Make TLS work on {HOST} first")


def test_dane_01_says_tls_must_work_first_on_an_anonymous_only_mx(pki: Pki, tmp_path: Path) -> None:
    tls = _tls(tmp_path, pki, "aNULL:@SECLEVEL=0", pki.leaf([HOST]))
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    fix = _dane_01_fix(probe, signed=False)
    assert fix.startswith(f"1. Make TLS work on {HOST} first: it presents no certificate")
    assert "2. Sign example.test with DNSSEC" in fix


def test_dane_01_for_a_server_preferring_anonymous_suites_offers_its_record(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([HOST])
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, BOTH, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    fix = _dane_01_fix(probe, signed=True)
    # The certificate DANE senders get, not "make TLS work" nor nothing.
    assert fix == f"_25._tcp.{HOST}. IN TLSA {certs.tlsa_record_text(leaf.der, 3, 1, 1)}"
