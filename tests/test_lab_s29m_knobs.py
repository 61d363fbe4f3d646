"""The lab knob blind round s29m added: `tls_ehlo_keywords`, EHLO keywords an MX lists only
inside TLS (REQUIRETLS, RFC 8689, which Exim advertises "only once a TLS connection is
achieved")."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from typing import Any

import pytest

from tests.lab.scenarios import ScenarioError, load_one_host


def test_tls_ehlo_keywords_are_read_and_checked(tmp_path: Path) -> None:
    assert load_one_host(tmp_path, 'tls_ehlo_keywords = ["REQUIRETLS"]').tls_ehlo_keywords == (
        "REQUIRETLS",
    )
    assert load_one_host(tmp_path, "").tls_ehlo_keywords == ()
    with pytest.raises(ScenarioError, match="tls_ehlo_keywords"):
        load_one_host(tmp_path, 'tls_ehlo_keywords = ["-REQUIRETLS"]')
    with pytest.raises(ScenarioError, match="tls_ehlo_keywords"):
        load_one_host(tmp_path, 'tls_ehlo_keywords = "REQUIRETLS"')
    with pytest.raises(ScenarioError, match="starttls = true"):
        load_one_host(tmp_path, 'starttls = false\ntls_ehlo_keywords = ["REQUIRETLS"]')


def _features(ip: str, ca_bundle: str) -> tuple[set[str], set[str]]:
    """The EHLO keywords before and inside TLS."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.check_hostname = False  # smtplib sends no SNI for an address; the name is not the point
    with smtplib.SMTP(ip, 25, local_hostname="probe.lab.test", timeout=20) as smtp:
        smtp.ehlo()
        before = set(smtp.esmtp_features)
        smtp.starttls(context=context)
        smtp.ehlo()
        return before, set(smtp.esmtp_features)


@pytest.mark.lab
def test_requiretls_is_listed_inside_tls_only(lab: Any) -> None:
    hosts = {h.host: h for h in lab.scenario("s29m-requiretls").smtp}
    before, inside = _features(hosts["mx1.s29m-requiretls.lab.test"].ip, lab.ca_bundle)
    assert "starttls" in before and "requiretls" not in before
    assert "requiretls" in inside and "starttls" not in inside
    _, plain = _features(hosts["mx2.s29m-requiretls.lab.test"].ip, lab.ca_bundle)
    assert "requiretls" not in plain
