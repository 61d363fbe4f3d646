"""Certificate and TLS edge cases on MX hosts (session 17).

- Internationalised names: a U-label host matches the A-label dNSName CAs write, by IDNA2008
  (Python's "idna" codec is IDNA2003: straße.example became strasse.example), and SMTP-11
  shows an A-label name with its U-labels beside it.
- A leaf not valid yet (or expired) sent with an expired CA certificate: SMTP-09 names the CA
  certificate (it passed, "a complete chain to a trusted root"), and SMTP-09 and SMTP-10 give
  one fix, the chain first, since a new leaf sent with the same chain would fail too.
- An MX speaking only TLS 1.0 with TLSA records: SMTP-07 says DANE senders hold the mail (the
  lab's Postfix oracle defers on f32a: tests/test_dane_oracle.py).
- A certificate whose name is only in the CN, and wildcards in the wrong place: refused, and
  SMTP-11 says why.

Real aiosmtpd servers with STARTTLS on 127.0.0.1 and certificates minted with `cryptography`,
as in test_starttls; no lab.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import certs, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Issued, Pki
from tests.test_certs_s10_edges import mint
from tests.test_certs_s14_stale_ca import expired_ca
from tests.test_starttls import _server_context, aiosmtpd_server, run_probe

HOST = "mx1.example.test"
IDN_HOST = "mx1.xn--strae-oqa.example"  # mx1.straße.example by IDNA2008


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _probe(tmp: Path, chain: list[Issued], bundle: str, host: str = HOST, **kw: ssl.TLSVersion):
    return run_probe(aiosmtpd_server(_server_context(tmp, chain, **kw), host), bundle, host=host)


def _findings(
    probe: starttls.SmtpProbe, *, under_sts: bool = False, dane: bool = False
) -> dict[str, Finding]:
    """SMTP-xx findings for one probe as evaluate() builds them, the host with TLSA records
    when `dane` (policy.dane_hosts)."""
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    policy = starttls._Context(
        sts_mode="enforce" if under_sts else None,
        sts_usable=under_sts,
        dane_hosts={probe.host} if dane else set(),
    )
    starttls._per_probe(out, SimpleNamespace(name=probe.host), probe, policy, None, ctx)
    found: dict[str, Finding] = {}
    for finding in out.findings:
        found.setdefault(finding.id, finding)
    return found


# --------------------------------------------------------------------------------------------
# 1. Internationalised names


def test_a_u_label_host_matches_the_idna2008_a_label_a_certificate_names() -> None:
    assert certs.dns_id_matches("xn--strae-oqa.example", "straße.example")
    assert certs.dns_id_matches("*.xn--strae-oqa.example", "mx1.straße.example")
    assert certs.dns_id_matches("xn--bcher-kva.example", "bücher.example")
    # IDNA2003's reading of the same name is another name.
    assert not certs.dns_id_matches("strasse.example", "straße.example")


def test_the_chain_validates_for_the_u_label_host(pki: Pki, bundle: str) -> None:
    leaf = pki.leaf([IDN_HOST])
    assert pki.inter is not None
    result = certs.verify_chain([leaf.der, pki.inter.der], "mx1.straße.example", bundle)
    assert result.ok and result.name_ok, result


def test_smtp_11_shows_idn_names_readably(pki: Pki, bundle: str, tmp_path: Path) -> None:
    assert pki.inter is not None
    other = "mx2.xn--bcher-kva.example"
    probe = _probe(tmp_path, [pki.leaf([other]), pki.inter], bundle, host=IDN_HOST)
    assert probe.tls_ok and not probe.name_ok
    smtp11 = _findings(probe, under_sts=True)["SMTP-11"]
    assert smtp11.status == Status.FAIL
    assert (
        f"is not valid for {IDN_HOST} (mx1.straße.example): it names "
        f"{other} (mx2.bücher.example)." in smtp11.summary
    )
    good = _probe(tmp_path, [pki.leaf([IDN_HOST]), pki.inter], bundle, host=IDN_HOST)
    smtp11 = _findings(good)["SMTP-11"]
    assert smtp11.status == Status.PASS
    assert smtp11.summary.endswith(f"is valid for {IDN_HOST} (mx1.straße.example).")


def test_readable_name_leaves_other_names_alone() -> None:
    assert certs.readable_name("mx1.example.test") == "mx1.example.test"
    assert (
        certs.readable_name("*.xn--bcher-kva.example")
        == "*.xn--bcher-kva.example (*.bücher.example)"
    )
    # Not valid Punycode: shown as it is, never raising.
    assert certs.readable_name("xn--zz.example") == "xn--zz.example"


# --------------------------------------------------------------------------------------------
# 2. A leaf outside its dates under an expired CA certificate


@pytest.mark.parametrize("leaf_state", ["not-yet-valid", "expired"])
def test_both_out_of_date_name_the_ca_first(
    pki: Pki, bundle: str, tmp_path: Path, leaf_state: str
) -> None:
    ca = expired_ca(pki)
    starts = (
        _now() + timedelta(days=2)
        if leaf_state == "not-yet-valid"
        else _now() - timedelta(days=100)
    )
    leaf = mint(ca, not_before=starts, host=HOST)
    probe = _probe(tmp_path, [leaf, ca], bundle)
    assert probe.tls_ok and probe.verify_error == leaf_state
    ends = certs.utc_text(ca.cert.not_valid_after_utc)
    ca_words = f"the CA certificate 'CN=Stale Issuing CA' expired on {ends}"
    assert probe.stale_ca_too == ca_words and probe.stale_ca_too_state == "expired"
    for under_sts, status in ((True, Status.FAIL), (False, Status.WARN)):
        found = _findings(probe, under_sts=under_sts)
        smtp09, smtp10 = found["SMTP-09"], found["SMTP-10"]
        # SMTP-09 passed: "sends a complete chain to a trusted root".
        assert smtp09.status == status
        assert f"sends an expired CA certificate: {ca_words}" in smtp09.summary
        assert smtp10.status == Status.FAIL
        assert smtp09.fix == smtp10.fix
        assert "can stay" not in smtp09.fix
        if leaf_state == "expired":
            # A renewal from the CA, installed with the chain it issues now, mends both.
            assert smtp09.fix.startswith(
                f"Renew the certificate of {HOST} and install it with the full chain your CA "
                "issues with it now"
            ), smtp09.fix
            assert f"an expired CA certificate too ({ca_words})" in smtp09.fix
            continue
        # One fix, in the order it works: the intermediate, then the server's own certificate.
        assert smtp09.fix.startswith(
            f"Install the current intermediate certificate from your CA in the chain {HOST} "
            f"sends, in place of the expired one: {ca_words}. Do this first"
        )
        leaf_step = (
            f"Then install a certificate for {HOST} that is valid now: the one it sends is not "
            f"valid before {certs.utc_text(leaf.cert.not_valid_before_utc)}."
        )
        assert leaf_step in smtp09.fix
        assert smtp09.fix.index("intermediate") < smtp09.fix.index(leaf_step)
    # MTASTS-32 gives both reasons and the one fix once.
    failures = mtasts._certificate_failures(probe, HOST)
    assert "expired CA certificate" in failures.reason
    assert failures.fix == _findings(probe)["SMTP-09"].fix


def test_a_not_yet_valid_leaf_alone_is_not_told_to_renew(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=_now() + timedelta(days=2), host=HOST)
    probe = _probe(tmp_path, [leaf, pki.inter], bundle)
    assert probe.verify_error == "not-yet-valid" and probe.stale_ca_too == ""
    found = _findings(probe, under_sts=True)
    assert found["SMTP-09"].status == Status.PASS
    assert found["SMTP-10"].status == Status.FAIL
    assert found["SMTP-10"].fix.startswith(f"Install a certificate for {HOST} that is valid now")
    assert "intermediate" not in found["SMTP-10"].fix


# --------------------------------------------------------------------------------------------
# 3. TLS 1.0 only, with DANE


@pytest.mark.parametrize("dane", [True, False])
def test_a_tls10_only_mx_with_tlsa_says_dane_senders_hold_the_mail(
    pki: Pki, bundle: str, tmp_path: Path, dane: bool
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([HOST], rsa_bits=2048)
    probe = _probe(
        tmp_path,
        [leaf, pki.inter],
        bundle,
        minimum=ssl.TLSVersion.TLSv1,
        maximum=ssl.TLSVersion.TLSv1,
    )
    assert probe.tls_ok and probe.max_tls_version == "TLSv1"
    smtp07 = _findings(probe, dane=dane)["SMTP-07"]
    assert smtp07.status == Status.FAIL
    said = "they hold the mail in their queues and retry instead of delivering it"
    assert (said in smtp07.summary) is dane
    if dane:
        assert "TLSA records make TLS mandatory for DANE senders (RFC 7672 §2.2)" in smtp07.summary


# --------------------------------------------------------------------------------------------
# 4. The name only in the CN


def test_a_cn_only_certificate_is_refused_and_the_fix_asks_for_a_san(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    assert pki.inter is not None
    probe = _probe(tmp_path, [pki.leaf(None, cn=HOST), pki.inter], bundle)
    assert probe.tls_ok and not probe.name_ok and probe.verify_error == "name-mismatch"
    smtp11 = _findings(probe, under_sts=True)["SMTP-11"]
    assert smtp11.status == Status.FAIL
    assert f"names {HOST} only in its CN" in smtp11.summary
    assert smtp11.fix == f"Install a certificate whose subjectAltName includes {HOST}."


# --------------------------------------------------------------------------------------------
# 5. Wildcards in the wrong place


@pytest.mark.parametrize("pattern", ["mx*.example.test", "*.*.example.test", "*.test"])
def test_a_misplaced_wildcard_matches_nothing_and_smtp_11_says_why(
    pki: Pki, bundle: str, tmp_path: Path, pattern: str
) -> None:
    assert not certs.dns_id_matches(pattern, HOST)
    assert pki.inter is not None
    probe = _probe(tmp_path, [pki.leaf([pattern]), pki.inter], bundle)
    assert probe.tls_ok and not probe.name_ok and not probe.verify_ok
    smtp11 = _findings(probe, under_sts=True)["SMTP-11"]
    assert smtp11.status == Status.FAIL
    assert f"The wildcard in {pattern} matches no host" in smtp11.summary
    assert certs.misplaced_wildcards([pattern, "*.example.test", HOST]) == [pattern]
