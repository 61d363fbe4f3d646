"""Task s41m, item 5: SMTP-11's fix for a certificate whose only subjectAltName is an IP
address carried the aside "(a wildcard covers only one label)", which says nothing about that
certificate (no wildcard is there). It is dropped there; a certificate naming a wildcard over
the MX name keeps it (since s42b a certificate naming another name without a wildcard does not:
tests/test_s42b_smtp11_wildcard_aside.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_certs import Pki
from tests.test_engine_s12_small import HOST, _ip_san_leaf, _probe
from tests.test_engine_s41i import _smtp11


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_s41m_an_ip_only_certificate_fix_has_no_wildcard_aside(pki: Pki, tmp_path: Path) -> None:
    probe = _probe(pki, tmp_path, _ip_san_leaf(pki, "192.0.2.25"))
    for under_sts in (True, False):
        fix = _smtp11(probe, under_sts).fix or ""
        assert f"subjectAltName includes {HOST}." in fix, fix
        assert "wildcard" not in fix, fix


def test_s41m_a_wildcard_certificate_keeps_the_aside(pki: Pki, tmp_path: Path) -> None:
    probe = _probe(pki, tmp_path, pki.leaf(["*.mx1.example.test"], cn="*.mx1.example.test"))
    fix = _smtp11(probe, True).fix or ""
    assert f"subjectAltName includes {HOST} (a wildcard covers only one label)." in fix, fix
