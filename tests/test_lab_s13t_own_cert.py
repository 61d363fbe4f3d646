"""The lab's `own_cert` key (one MX name on two addresses that present different keys), and
`up`/`down` under load.

s13t-addrexp and s13t-addrdane need a host whose second box was set up apart from the first
(its own key, and in addrexp an expired certificate); without the key every address of a host
shares the certificate minted for the host name.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import subprocess
import sys
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.lab.control import Lab
from tests.lab.pki import LabPKI
from tests.lab.runner import START_TIMEOUT_ENV, LabError, _knotd_of, down, start_timeout
from tests.lab.scenarios import CertSpec, ScenarioError, SmtpHost, load_file

ROW = """
domain = "own.lab.test"
records = []
[[smtp]]
host = "mx1.own.lab.test"
ip = "127.0.99.1"
[[smtp]]
host = "mx1.own.lab.test"
ip = "127.0.99.2"
own_cert = {own_cert}
[expect]
mtasts = "none"
"""


def test_it_names_an_own_certificate_by_host_and_address(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text(ROW.format(own_cert="true"))
    first, second = load_file(path).smtp
    assert (first.own_cert, first.cert_ref) == (False, "mx1.own.lab.test")
    assert (second.own_cert, second.cert_ref) == (True, "mx1.own.lab.test@127.0.99.2")


def test_it_refuses_a_misspelt_own_cert_key(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text(ROW.format(own_cert="true").replace("own_cert", "own_certificate"))
    with pytest.raises(ScenarioError, match="own_certificate"):
        load_file(path)


def test_the_pki_mints_a_separate_key_for_an_own_cert_row() -> None:
    pki = LabPKI()
    shared = SmtpHost(host="mx1.own.lab.test", ip="127.0.99.1")
    own = SmtpHost(host="mx1.own.lab.test", ip="127.0.99.2", own_cert=True)
    a = pki.leaf(shared.cert_ref, shared.host, CertSpec(sans=(shared.host,)))
    b = pki.leaf(own.cert_ref, own.host, CertSpec(sans=(own.host,)))
    assert a.spki_der() != b.spki_der()
    # …and a TLSA placeholder can name either one.
    assert pki.tlsa_data(1, 1, own.cert_ref) == hashlib.sha256(b.spki_der()).hexdigest().upper()


def _presented_spki(ip: str, sni: str) -> bytes:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP(ip, 25, timeout=10) as smtp:
        smtp.ehlo("probe.lab.test")
        smtp._host = sni  # smtplib takes SNI from _host
        smtp.starttls(context=ctx)
        der = smtp.sock.getpeercert(binary_form=True)  # type: ignore[union-attr]
    return (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@pytest.mark.lab
def test_the_two_boxes_of_one_host_present_different_keys(lab: Lab) -> None:
    host = "mx1.s13t-addrdane.lab.test"
    first = _presented_spki("127.0.74.12", host)
    second = _presented_spki("127.0.74.13", host)
    assert first != second
    q = dns.message.make_query(f"_25._tcp.{host}", "TLSA", want_dnssec=True)
    r = dns.query.udp(q, lab.resolver.rsplit(":", 1)[0], port=53, timeout=5)
    published = {
        rd.cert for rrset in r.answer if rrset.rdtype == dns.rdatatype.TLSA for rd in rrset
    }
    # The scenario pins only the first box's key.
    assert published == {hashlib.sha256(first).digest()}


# -- start-up under load (found while running the s13t scenarios at a load average of 10-12)


def test_the_start_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(START_TIMEOUT_ENV, "150")
    assert start_timeout() == 150.0
    monkeypatch.delenv(START_TIMEOUT_ENV)
    assert start_timeout() == 180.0
    for bad in ("soon", "0", "-5"):
        monkeypatch.setenv(START_TIMEOUT_ENV, bad)
        with pytest.raises(LabError, match=START_TIMEOUT_ENV):
            start_timeout()


def test_down_stops_a_knotd_that_never_wrote_its_pidfile(tmp_path: Path) -> None:
    """`up` gave up while knotd was still loading zones: no pid in state.json, no pidfile yet.
    `down` must still stop that knotd (it holds 127.0.53.1:53 against the next `up`)."""
    run = tmp_path / "mailsec-lab-x"
    (run / "knot").mkdir(parents=True)
    (run / "state.json").write_text(json.dumps({"run_dir": str(run), "pids": {}}))
    conf = str(run / "knot" / "knot.conf")
    # argv[0] "knotd" and the run's own config, as `knotd -c <conf> -d` shows in /proc
    fake = subprocess.Popen(
        ["bash", "-c", f'exec -a knotd {sys.executable} -c "import time; time.sleep(60)" -c {conf}']
    )
    try:
        deadline = time.monotonic() + 5
        while _knotd_of(run) != fake.pid and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _knotd_of(run) == fake.pid
        assert down(run) == [f"knotd:{fake.pid}"]
        assert fake.wait(timeout=5) is not None
    finally:
        fake.kill()
