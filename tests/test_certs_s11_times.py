"""An expired certificate's message gives its UTC time to the second, as the not-yet-valid one
does: "expired on <today>" leaves the reader guessing whether it was an hour ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks import certs
from checks.findings import Status
from tests.test_certs import Pki, make_ca, make_leaf
from tests.test_certs_s10_edges import mint
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_an_expired_leaf_says_when_to_the_second(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    # Expired an hour ago.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30, hours=1)
    leaf = mint(pki.inter, not_before=start, days=30)
    end = leaf.cert.not_valid_after_utc
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle)
    assert result.error == "expired"
    assert result.detail == f"expired on {end:%Y-%m-%d %H:%M:%S} UTC"
    probe = run_probe(aiosmtpd_server(_server_context(tmp_path, [leaf, pki.inter])), bundle)
    smtp10 = _findings(probe, under_sts=True)["SMTP-10"]
    assert smtp10.status == Status.FAIL
    assert f"expired on {end:%Y-%m-%d %H:%M:%S} UTC." in smtp10.summary


def test_an_expired_intermediate_says_when_to_the_second(tmp_path: Path) -> None:
    root = make_ca("Times Root")
    stale = make_ca("Times Stale CA", root, expired=True)
    leaf = make_leaf(stale, [HOST])
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(root.pem)
    result = certs.verify_chain([leaf.der, stale.der], HOST, str(bundle))
    assert result.error == "expired" and result.expired_ca == "CN=Times Stale CA"
    end = stale.cert.not_valid_after_utc
    assert result.detail.endswith(f"expired on {end:%Y-%m-%d %H:%M:%S} UTC")
