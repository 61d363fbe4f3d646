"""The policy host's version of test_certs_s17's item 2: a leaf outside its own dates sent with
a CA certificate that is itself out of date. MTASTS-12 names both and its fix puts the
intermediate first (a new leaf sent with the same chain would fail too), as SMTP-09/-10 do.
Real TLS on 127.0.0.1 as in test_certs_s14_stale_ca; no lab."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_certs_s14_stale_ca import (
    POLICY_HOST,
    _mtasts12,
    _now,
    _policy_fetch,
    expired_ca,
)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.mark.parametrize("leaf_state", ["not-yet-valid", "expired"])
def test_mtasts_12_names_the_stale_ca_and_fixes_it_first(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leaf_state: str
) -> None:
    ca = expired_ca(pki)
    starts = (
        _now() + timedelta(days=2)
        if leaf_state == "not-yet-valid"
        else _now() - timedelta(days=100)
    )
    leaf = mint(ca, not_before=starts, host=POLICY_HOST)
    finding = _mtasts12(monkeypatch, _policy_fetch(pki, tmp_path, [leaf, ca]))
    ends = certs.utc_text(ca.cert.not_valid_after_utc)
    ca_words = f"the CA certificate 'CN=Stale Issuing CA' expired on {ends}"
    assert ca_words in finding.summary, finding.summary
    if leaf_state == "expired":
        # A renewal from the CA, installed with the chain it issues now, mends both.
        ended = certs.utc_text(leaf.cert.not_valid_after_utc)
        assert f"that expired on {ended}, sent with an expired CA certificate" in finding.summary
        assert finding.fix.startswith(
            f"Renew the certificate of {POLICY_HOST} (it expired on {ended}) and install it "
            "with the full chain your CA issues with it now"
        ), finding.fix
        assert f"an expired CA certificate too ({ca_words})" in finding.fix
        return
    starts = certs.utc_text(leaf.cert.not_valid_before_utc)
    assert f"that is not valid until {starts}, sent with an expired CA" in finding.summary
    assert finding.fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {POLICY_HOST} "
        f"sends, in place of the expired one: {ca_words}. Do this first"
    ), finding.fix
    assert f"Then install a certificate for {POLICY_HOST} that is valid now" in finding.fix
