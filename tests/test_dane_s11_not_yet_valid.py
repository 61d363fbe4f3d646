"""DANE-09 and a leaf whose notBefore is ahead of our clock. DANE-TA applies normal validity
below the anchor (RFC 7671 §5.2), with the clock skew STARTTLS allows on a leaf's notBefore
(certs.NOT_BEFORE_SKEW: a certificate installed the moment it was issued); beyond it the
certificate is "not valid until" its start, to the second. DANE-EE ignores the dates
(RFC 7671 §5.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from checks import certs, dane
from checks.findings import Collector, Finding, Mechanism, Status
from checks.starttls import SmtpProbe
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint

HOST = "mx1.example.test"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _findings(record: str, chain: list[bytes]) -> list[Finding]:
    parsed = dane.parse_tlsa_text(record).record
    assert parsed is not None
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[parsed], secure=True
    )
    probe = SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        name_ok=True,
        chain_der=chain,
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    return [f for f in out.findings if f.id in {"DANE-07", "DANE-08", "DANE-09"}]


def _starting_in(pki: Pki, delta: timedelta) -> list[bytes]:
    assert pki.inter is not None
    start = datetime.now(UTC).replace(microsecond=0) + delta
    return [mint(pki.inter, not_before=start, host=HOST).der, pki.inter.der]


def test_a_dane_ta_leaf_starting_within_the_skew_passes(pki: Pki) -> None:
    assert pki.inter is not None
    chain = _starting_in(pki, timedelta(seconds=60))
    found = _findings(certs.tlsa_record_text(pki.inter.der, 2, 1, 1), chain)
    assert [(f.id, f.status) for f in found] == [("DANE-07", Status.PASS), ("DANE-09", Status.PASS)]


def test_a_dane_ta_leaf_starting_later_is_not_yet_valid_until_its_time(pki: Pki) -> None:
    assert pki.inter is not None
    chain = _starting_in(pki, timedelta(hours=1))
    start = certs.load_der(chain[0]).not_valid_before_utc  # type: ignore[union-attr]
    record = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    parsed = dane.parse_tlsa_text(record).record
    assert parsed is not None
    state = dane.TlsaState(HOST, HOST, f"_25._tcp.{HOST}", records=[parsed], secure=True)
    match = state.match(SimpleNamespace(chain_der=chain))
    assert match.ta_problem == "not-yet-valid"  # not 'expired'
    [dane09] = [f for f in _findings(record, chain) if f.id == "DANE-09"]
    assert dane09.status == Status.FAIL
    assert f"is not valid until {start:%Y-%m-%d %H:%M:%S} UTC" in dane09.summary
    assert "expired" not in dane09.summary and "out-of-date" not in dane09.fix
    assert "until the new one is valid" in dane09.fix


def test_an_expired_dane_ta_leaf_says_when_to_the_second(pki: Pki) -> None:
    assert pki.inter is not None
    chain = _starting_in(pki, timedelta(days=-100))  # mint: 90 days, so it ended 10 days ago
    end = certs.load_der(chain[0]).not_valid_after_utc  # type: ignore[union-attr]
    [dane09] = [
        f
        for f in _findings(certs.tlsa_record_text(pki.inter.der, 2, 1, 1), chain)
        if f.id == "DANE-09"
    ]
    assert dane09.status == Status.FAIL
    assert f"expired on {end:%Y-%m-%d %H:%M:%S} UTC" in dane09.summary


@pytest.mark.parametrize("delta", [timedelta(seconds=60), timedelta(days=30)])
def test_dane_ee_ignores_a_leaf_not_yet_valid(pki: Pki, delta: timedelta) -> None:
    chain = _starting_in(pki, delta)
    found = _findings(certs.tlsa_record_text(chain[0], 3, 1, 1), chain)
    assert [f.status for f in found if f.id == "DANE-07"] == [Status.PASS]
    assert not [f for f in found if f.status in {Status.FAIL, Status.WARN}]
