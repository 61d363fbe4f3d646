"""Engine defects found by blind round s30l (tests/test_lab_s30l_blind.py).

- A server that lists anonymous (aNULL) suites first but also speaks TLS 1.3 (s30l-anontls13)
  was read as authenticating: the probe's first handshake is TLS 1.3, which has no anonymous
  suites, so it got the certificate. A sender speaking TLS 1.2 at most and offering both kinds
  of suite gets the anonymous one (RFC 7672 §8.2: servers should not select one when the
  client offers authenticated suites; checklist DANE-14 warn, SMTP-08 warn). The TLS 1.2
  handshake the probe already makes (SMTP-07) shows it; SMTP-08 and DANE-14 now warn.
- Texts and fixes read from the round: a comment after the mode or max_age (MTASTS-22/23:
  named, and the fix keeps the value meant), an oversize policy and senders' cached copies
  (MTASTS-16), a field name over 32 characters (MTASTS-28), a line of blanks (MTASTS-29), a
  double space under testing (MTASTS-32), a SHA-1 signature sent to a public CA (SMTP-09), and
  DANE-11 without the records to publish.

Real aiosmtpd servers on 127.0.0.1 (tests/test_starttls.py); no lab.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from checks import certs, https, mtasts, starttls
from checks.findings import Collector, Mechanism, Status
from tests import test_mtasts_s19x_addresses as s19x
from tests.test_certs import Issued, Pki
from tests.test_engine_s12_review2 import BOTH, _dane, _state
from tests.test_fix_texts import BASE, GOOD_POLICY, POLICY_URL, SERVED, D, findings_for
from tests.test_mtasts import ZONE, FakeProbe
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_s11_dual_certs import _all


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _tls(tmp: Path, pki: Pki, ciphers: str, leaf: Issued) -> ssl.SSLContext:
    """TLS 1.2 and 1.3, the server's order of `ciphers` (TLS 1.2 suites) preferred."""
    assert pki.inter is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert, key = tmp / "leaf.pem", tmp / "leaf.key"
    cert.write_bytes(leaf.pem + pki.inter.pem)
    key.write_bytes(leaf.key_pem)
    context.load_cert_chain(str(cert), str(key))
    context.set_ciphers(ciphers)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def test_anonymous_suites_first_on_a_tls13_server_warn_for_tls12_senders(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([HOST])
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, BOTH, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    # The first handshake is TLS 1.3 with the certificate; TLS 1.2 got the anonymous suite.
    assert probe.tls_ok and probe.tls_version == "TLSv1.3" and probe.chain_der
    assert probe.tls12_accepted is True
    found = _all(probe, under_sts=False)
    (smtp08,) = [f for f in found if f.id == "SMTP-08"]
    assert smtp08.status == Status.WARN
    assert "AECDH-AES256-SHA" in smtp08.summary
    assert "TLS 1.2" in smtp08.summary
    by_id = {f.id: f for f in _dane(probe, _state(leaf.der))}
    assert by_id["DANE-07"].status == Status.PASS
    assert by_id["DANE-14"].status == Status.WARN
    assert "AECDH-AES256-SHA" in by_id["DANE-14"].summary
    assert "TLS 1.2" in by_id["DANE-14"].summary
    assert by_id["DANE-14"].fix


def test_a_tls13_server_without_anonymous_suites_still_passes(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.leaf([HOST])
    ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0"
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, ciphers, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is True
    (smtp08,) = [f for f in _all(probe, under_sts=False) if f.id == "SMTP-08"]
    assert smtp08.status == Status.INFO
    by_id = {f.id: f for f in _dane(probe, _state(leaf.der))}
    assert by_id["DANE-14"].status == Status.PASS


# ---- MTASTS-22/23: a comment written after a field's value -----------------------------------


def _problems(body: str, check_id: str) -> list[str]:
    policy = mtasts.parse_policy(body.encode())
    return [p.message for p in policy.problems if p.check_id == check_id]


@pytest.mark.parametrize(
    ("line", "check_id", "fixed"),
    [
        ("mode: enforce   # since 2026-11", "MTASTS-22", "mode: enforce"),
        ("max_age: 604800 # one week", "MTASTS-23", "max_age: 604800"),
    ],
)
def test_a_comment_after_a_value_is_named_as_such(line: str, check_id: str, fixed: str) -> None:
    """s30l-modecomment: 'mode: enforce   # since 2026-11' read "mode is 'enforce   # since
    2026-11'; it must be exactly enforce, testing or none (lower case).", which does not say
    that the comment is the fault (the policy format has no comments, RFC 8461 §3.2)."""
    lines = ["version: STSv1", "mode: enforce", "mx: mx1.example.org", "max_age: 604800"]
    key = line.split(":")[0]
    body = "\r\n".join(line if x.startswith(key + ":") else x for x in lines) + "\r\n"
    (message,) = _problems(body, check_id)
    assert "comment" in message
    assert f"'{fixed}'" in message
    assert "  " not in message


# ---- MTASTS-16: an oversize policy, and senders' cached copies -------------------------------


def _oversize(first_lines: str) -> str:
    body = first_lines.encode() + b"x-lab-padding: " + b"a" * 70_000 + b"\r\n"
    result = https.HttpsResult(
        url="https://mta-sts.example.org/.well-known/mta-sts.txt",
        host="mta-sts.example.org",
        status=200,
        headers={"content-type": "text/plain"},
        body=body[: mtasts.MAX_POLICY_BYTES],
        truncated=True,
    )
    (problem,) = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-16"]
    assert problem.status == Status.FAIL
    return problem.message


def test_an_oversize_policy_says_senders_keep_the_policy_they_cached() -> None:
    """s30l-stsnonebig: 'senders stop reading at 64 KiB and drop it' left out what dropping it
    means (RFC 8461 §3.3): a sender with a cached policy keeps applying it until max_age runs
    out; one without delivers as if there were none."""
    message = _oversize("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\n")
    assert "cached" in message
    assert "max_age" in message
    assert "withdraw" not in message


def test_an_oversize_mode_none_policy_says_the_withdrawal_does_not_happen() -> None:
    """A 'mode: none' file is how MTA-STS is withdrawn (RFC 8461 §8.3); over 64 KiB, senders
    drop it and keep the enforce or testing policy they cached."""
    message = _oversize("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n")
    assert "mode: none" in message
    assert "withdraw" in message
    assert "cached" in message


# ---- The fix keeps what the owner meant before the comment -----------------------------------


def _fix_of(check_id: str, old: bytes, new: bytes) -> str:
    policy = GOOD_POLICY.replace(old, new)
    assert policy != GOOD_POLICY
    findings = findings_for(D, BASE, {POLICY_URL: (200, SERVED[POLICY_URL][1], policy)})
    return next(f.fix for f in findings if f.id == check_id)


def test_mtasts22_fix_keeps_enforce_written_with_a_comment() -> None:
    """s30l-modecomment: the summary said "Write 'mode: enforce' alone on its line" while the
    fix offered a policy file with 'mode: testing', a downgrade nobody asked for (as
    'mode: Enforce' was, dd7b6f8)."""
    fix = _fix_of("MTASTS-22", b"mode: enforce", b"mode: enforce   # since 2026-11")
    assert "mode: enforce\n" in fix
    assert "mode: testing" not in fix


def test_mtasts23_fix_keeps_the_max_age_written_with_a_comment() -> None:
    fix = _fix_of("MTASTS-23", b"max_age: 604800", b"max_age: 2592000 # thirty days")
    assert "max_age: 2592000" in fix


# ---- MTASTS-28 and MTASTS-29 words -----------------------------------------------------------


def test_a_field_name_over_32_characters_is_named_as_too_long() -> None:
    """s30l-extlongname: 'last-modified-by-deployment-pipeline: 20261201' read 'is not a "key:
    value" line', which it is: the fault is the name's length (an extension field's name has
    at most 32 characters, RFC 8461 §3.2)."""
    body = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
    (message,) = _problems(body + "last-modified-by-deployment-pipeline: 20261201\r\n", "MTASTS-28")
    assert "not a" not in message
    assert "36 characters" in message
    assert "at most 32" in message


def test_a_line_of_blanks_is_not_called_empty() -> None:
    """s30l-blankws: a line of three blanks read 'Line 3 is empty'."""
    body = "version: STSv1\r\nmode: enforce\r\n   \r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
    (message,) = _problems(body, "MTASTS-29")
    assert "only blanks" in message
    (empty,) = _problems(body.replace("   \r\n", "\r\n"), "MTASTS-29")
    assert "Line 3 is empty" in empty


# ---- MTASTS-32 under testing: one space between the sentences --------------------------------


def test_mtasts32_under_testing_reads_without_a_double_space(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """s30l-eeexptesting, -roguetesting, -sha1backup: under testing the sentence 'Senders will
    not deliver there.' is left out, and its space was not: '... UTC.  mx2... passes'."""
    monkeypatch.setattr(s19x, "POLICY", s19x.POLICY.replace("mode: enforce", "mode: testing"))
    broken = FakeProbe(mta_sts_ok=False, error_kind="tls-handshake", problem="no shared cipher")
    found = s19x._per_address(monkeypatch, {("mx2.example.org", "192.0.2.12"): broken}, ZONE)
    (failed,) = [f for f in found if f.id == "MTASTS-32" and f.subject.startswith("mx2.")]
    assert failed.status == Status.WARN
    assert "mx1.example.org at 192.0.2.11 passes MTA-STS validation." in failed.summary
    assert "  " not in failed.summary


# ---- SMTP-09 (and MTASTS-32) for a SHA-1 signature: what to ask of the CA --------------------


def _sha1_probe(leaf_hash: str, ca_hash: str) -> starttls.SmtpProbe:
    # This cryptography signs nothing with SHA-1, so facts stand in for such a chain (as
    # tests/test_certs_s11v_keys.py does); the path fails on the SHA-1 signature.
    leaf = certs.CertFacts(
        subject="CN=mx2.example.org",
        issuer="CN=Lab Issuing CA 1",
        key_type="EC secp256r1",
        key_size=256,
        signature_hash=leaf_hash,
    )
    ca = certs.CertFacts(
        subject="CN=Lab Issuing CA 1",
        issuer="CN=Root",
        key_type="EC secp256r1",
        key_size=256,
        signature_hash=ca_hash,
        is_ca=True,
    )
    weak = "CN=mx2.example.org" if leaf_hash == "sha1" else "CN=Lab Issuing CA 1"
    return starttls.SmtpProbe(
        host="mx2.example.org",
        address="192.0.2.12",
        tls_ok=True,
        tls_version="TLSv1.3",
        leaf=leaf,
        chain=[leaf, ca],
        verify_ok=False,
        verify_error="invalid",
        verify_detail=f"the certificate '{weak}' is signed with SHA-1, which senders no longer "
        "accept",
        name_ok=True,
    )


def _smtp09_fix(probe: starttls.SmtpProbe) -> str:
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(
        out, probe, probe.subject, {}, under_sts=False, dane_ok=False, testing=True
    )
    (smtp09,) = [f for f in out.findings if f.id == "SMTP-09"]
    assert smtp09.status == Status.WARN
    return smtp09.fix


def test_a_sha1_signed_leaf_is_to_be_reissued_not_replaced_by_a_public_ca() -> None:
    """s30l-sha1backup: the leaf, from a trusted CA, is signed with SHA-1; SMTP-09 (and the
    MTASTS-32 fix built from it) said 'Install a certificate ... from a publicly trusted CA,
    full chain', which the owner has already."""
    fix = _smtp09_fix(_sha1_probe("sha1", "sha256"))
    assert "publicly trusted CA" not in fix
    assert "SHA-256" in fix


def test_a_sha1_signed_intermediate_asks_for_another_chain_in_smtp09_too() -> None:
    fix = _smtp09_fix(_sha1_probe("sha256", "sha1"))
    assert "publicly trusted CA" not in fix
    assert "chain" in fix and "SHA-256" in fix


# ---- DANE-11: the records to publish for the uncovered hosts ---------------------------------


def test_dane11_gives_the_tlsa_record_for_the_uncovered_host() -> None:
    """s30l-danebackupsts: DANE-11 warned that mx1 has no TLSA records and offered no fix,
    while DANE-01 (info) on that host gives the record for the certificate it presents."""
    from tests.test_engine_s29d import _dane_findings

    found = _dane_findings(names=2)
    (finding,) = [f for f in found if f.id == "DANE-11"]
    assert finding.status == Status.WARN
    (dane01,) = [f for f in found if f.id == "DANE-01" and f.subject == "_25._tcp.mx2.ex.com"]
    assert dane01.fix and dane01.fix in finding.fix
    assert "_25._tcp.mx2.ex.com. IN TLSA 3 1 1" in finding.fix


def test_a_server_following_the_senders_order_is_not_read_as_preferring_anonymous_suites(
    pki: Pki, tmp_path: Path
) -> None:
    """Review s30v of 0ab9884: a server that follows the client's order of suites (OpenSSL's
    default, and Postfix's: tls_preempt_cipherlist = no) and also enables aNULL got the
    probe's TLS 1.2 handshake an anonymous suite, because 'ALL' orders ADH-AES256-GCM-SHA384
    before every AES128 suite; the anonymous choice was the probe's, not the server's. The
    probe offers the anonymous suites last ('+aNULL'), as a sender wanting a certificate does."""
    leaf = pki.leaf([HOST])
    context = _tls(tmp_path, pki, "ECDHE-ECDSA-AES128-GCM-SHA256:aNULL:@SECLEVEL=0", leaf)
    context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    # Finite-field DH parameters (RFC 7919 ffdhe2048), as Postfix has built in: without them
    # OpenSSL offers no ADH suite, only AECDH ones, which 'ALL' orders after AES128-GCM.
    (tmp_path / "dh.pem").write_text(FFDHE2048)
    context.load_dh_params(str(tmp_path / "dh.pem"))
    probe = run_probe(aiosmtpd_server(context), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is True
    (smtp08,) = [f for f in _all(probe, under_sts=False) if f.id == "SMTP-08"]
    assert smtp08.status == Status.INFO, smtp08.summary
    by_id = {f.id: f for f in _dane(probe, _state(leaf.der))}
    assert by_id["DANE-14"].status == Status.PASS, by_id["DANE-14"].summary


FFDHE2048 = """\
-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""
