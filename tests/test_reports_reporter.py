"""An independent, real sender: sys4's tlsrpt-reporter (PyPI `tlsrpt-reporter`, unmodified)
delivers its reports to our HTTPS intake and to our SMTP listener (issue 7).

The flow is that of ../shared/notes/lab-recipes.md §7:

* `tlsrpt-collectd` receives libtlsrpt-format JSON datagrams on a unix socket. libtlsrpt (the C
  library an MTA links) is not packaged, so `_emit` plays the MTA: it reads the domain's
  `_smtp._tls` TXT record through the lab's validating resolver — the record is exactly what
  our domain page tells the owner to publish (`ReportAddress.rua_record`) — and sends one
  datagram per delivery attempt: three good sessions, two failed ones.
* SIGUSR2 is collectd's development hook for the midnight rollover: today's data becomes
  yesterday's, the day `tlsrpt-reportd` reports on.
* `tlsrpt-reportd` builds the RFC 8460 report, gzips it and delivers it to each rua:
  - https: through `http_script` (curl with --fail, so a 4xx/5xx is a failed delivery). Our
    intake runs in pytest-django's live_server, which speaks plain HTTP; reportd only accepts
    https: rua, so the published rua is https://mailsec.test/tlsrpt/<token> and reportd's own
    `debug_send_http_dest` option points the upload at the live server. The intake code is the
    same; TLS termination is the web server's job in production.
  - mailto: through `sendmail_script`, here tests/data/tlsrpt/reporter/sendmail_dkim.py: it
    signs the message with DKIM (reportd does not sign; an MTA would) using a key published
    under a name of this test's own in the lab (`<random>.lab.test`, removed afterwards), and
    submits it over STARTTLS to our listener (reports.smtp, in process). DKIM is verified
    for real by the parse task, through the lab's validating resolver (MAILSEC_RESOLVER).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from reports.smtp import build_controller

pytestmark = [pytest.mark.lab, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent
SENDMAIL = Path(__file__).parent / "data" / "tlsrpt" / "reporter" / "sendmail_dkim.py"
INBOUND = "mailsec.test"
SELECTOR = "tlsrpt2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "smtpd.pem", tmp / "smtpd.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _txt_strings(value: str) -> str:
    """A TXT rdata of quoted strings of at most 255 octets each (RFC 1035 §3.3.14)."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


@pytest.fixture
def names(lab) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Two names of this test's own under lab.test: the policy domain receiving reports and
    the reporter's domain with its DKIM key. Removed again afterwards."""
    tag = secrets.token_hex(4)
    yield {"policy": f"rcv-{tag}.lab.test", "reporter": f"rep-{tag}.lab.test", "tag": tag}
    lab.update(
        "lab.test",
        delete=[(f"_smtp._tls.rcv-{tag}",), (f"{SELECTOR}._domainkey.rep-{tag}",)],
    )


@pytest.fixture
def eager() -> Iterator[None]:
    """Parse in the process that stored the report (live server thread, smtpd thread)."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def _emit(socket_path: Path, domain: str, record: str) -> None:
    """What libtlsrpt sends per delivery attempt (format read from libtlsrpt.c / collectd):
    policy-type 2 = sts; result codes 204 certificate-expired, 202 certificate-host-mismatch;
    "f" = this session failed, "t" = number of failure details."""
    policy = {
        "policy-type": 2,
        "policy-domain": domain,
        "policy-string": [
            "version: STSv1",
            "mode: enforce",
            f"mx: mx1.{domain}",
            f"mx: mx2.{domain}",
            "max_age: 86400",
        ],
        "mx-host": [f"mx1.{domain}", f"mx2.{domain}"],
    }
    sessions = [
        [],
        [],
        [],
        [
            {
                "c": 204,
                "s": "127.0.0.1",
                "n": f"mx2.{domain}",
                "h": f"mx2.{domain}",
                "r": "127.0.60.2",
            }
        ],
        [{"c": 202, "s": "127.0.0.1", "n": f"mx1.{domain}", "r": "127.0.60.1"}],
    ]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        for failures in sessions:
            datagram = {
                "d": domain,
                "pr": record,
                "policies": [
                    dict(
                        policy,
                        **{"failure-details": failures, "t": len(failures)},
                        f=int(bool(failures)),
                    )
                ],
                "dpv": "1",
            }
            s.sendto(json.dumps(datagram).encode(), str(socket_path))


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_tlsrpt_reporter_delivers_over_https_and_mail(
    lab, live_server, names, eager, settings, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_ROOT = "https://mailsec.test"
    settings.TLSRPT_INBOUND_DOMAIN = INBOUND
    settings.TLSRPT_REQUIRE_DKIM = True
    monkeypatch.setenv("MAILSEC_RESOLVER", lab.resolver)

    # The owner, their domain and its report address; the record the domain page shows.
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name=names["policy"], verified_at=timezone.now()
    )
    address = ReportAddress.for_domain(domain)
    record = address.rua_record()
    assert record.startswith("v=TLSRPTv1; rua=mailto:tlsrpt+")

    # Publish it, and the reporter's DKIM key (s=tlsrpt, RFC 8460 §3), in the lab's DNS.
    dkim_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path = tmp_path / "dkim.key"
    key_path.write_bytes(
        dkim_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = base64.b64encode(
        dkim_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()
    tag = names["tag"]
    lab.update(
        "lab.test",
        add=[
            (f"_smtp._tls.rcv-{tag}", 60, "TXT", _txt_strings(record)),
            (
                f"{SELECTOR}._domainkey.rep-{tag}",
                60,
                "TXT",
                _txt_strings(f"v=DKIM1; k=rsa; s=tlsrpt; p={public}"),
            ),
        ],
    )
    lab.flush("lab.test")
    published = lab.dns_resolver().resolve(f"_smtp._tls.{names['policy']}", "TXT")
    txt = b"".join(published[0].strings).decode()
    assert txt == record

    # Our SMTP listener with STARTTLS.
    cert, key = _self_signed(tmp_path, INBOUND)
    smtp_port = _free_port()
    controller = build_controller("127.0.0.1", smtp_port, tls_cert=str(cert), tls_key=str(key))
    controller.start()

    run = tmp_path / "tlsrpt"
    run.mkdir()
    sendmail = (
        f"{sys.executable} {SENDMAIL} --key {key_path} --selector {SELECTOR} "
        f"--domain {names['reporter']} --host 127.0.0.1 --port {smtp_port} "
        f"--cafile {cert} --servername {INBOUND}"
    )
    curl = shutil.which("curl")
    assert curl, "curl is needed (Debian package curl)"
    cfg = run / "tlsrpt.cfg"
    cfg.write_text(
        f"""[tlsrpt_collectd]
storage = sqlite://{run}/collectd.sqlite
socketname = {run}/collectd.sock
logfilename = {run}/collectd.log
log_level = debug
sockettimeout = 1

[tlsrpt_fetcher]
storage = sqlite://{run}/collectd.sqlite
logfilename = {run}/fetcher.log
log_level = debug

[tlsrpt_reportd]
organization_name = Lab Sending MTA
contact_info = tlsrpt-noreply@{names["reporter"]}
sender_address = tlsrpt-noreply@{names["reporter"]}
dbname = {run}/reportd.sqlite
logfilename = {run}/reportd.log
log_level = debug
fetchers = {BIN}/tlsrpt-fetcher --config_file {cfg}
http_script = {curl} --silent --show-error --fail --header 'Content-Type: application/tlsrpt+gzip' --data-binary @-
debug_send_http_dest = {live_server.url}/tlsrpt/{address.token}
sendmail_script = {sendmail}
spread_out_delivery = 1
interval_main_loop = 1
min_wait_domainlist = 0
max_wait_domainlist = 1
min_wait_domaindetails = 0
max_wait_domaindetails = 1
min_wait_delivery = 0
max_wait_delivery = 1
"""
    )
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        collectd = subprocess.Popen(
            [str(BIN / "tlsrpt-collectd"), "--config_file", str(cfg)], cwd=run, env=env
        )
        procs.append(collectd)
        _wait(lambda: (run / "collectd.sock").exists(), 10, "collectd's socket")
        _emit(run / "collectd.sock", names["policy"], txt)
        time.sleep(1.5)  # collectd commits after `sockettimeout`
        collectd.send_signal(signal.SIGUSR2)  # "midnight": today's data becomes yesterday's
        time.sleep(0.5)
        procs.append(
            subprocess.Popen(
                [str(BIN / "tlsrpt-reportd"), "--config_file", str(cfg)], cwd=run, env=env
            )
        )
        _wait(
            lambda: (
                RawReport.objects.filter(address=address)
                .exclude(parse_status=RawReport.PENDING)
                .count()
                >= 2
            ),
            60,
            "both deliveries to arrive and be parsed; reportd log:\n"
            + ((run / "reportd.log").read_text() if (run / "reportd.log").exists() else ""),
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        controller.stop()

    raws = {r.source: r for r in RawReport.objects.filter(address=address)}
    assert set(raws) == {RawReport.HTTPS, RawReport.EMAIL}, raws
    https, mail = raws[RawReport.HTTPS], raws[RawReport.EMAIL]
    assert https.content_type == "application/tlsrpt+gzip"
    # Real DKIM, verified against the lab resolver, with the s=tlsrpt key.
    assert (mail.dkim_result, mail.dkim_domain, mail.dkim_key_tlsrpt) == (
        "pass",
        names["reporter"],
        True,
    ), mail.dkim_detail
    assert mail.headers.get("tls-report-domain") == names["policy"]

    # One report, stored once: whichever arrived first is parsed, the other is its resend.
    assert sorted(r.parse_status for r in raws.values()) == [
        RawReport.DUPLICATE,
        RawReport.PARSED,
    ], [(r.source, r.parse_status, r.error) for r in raws.values()]
    report = TlsReport.objects.get(address=address)
    assert https.report_id == mail.report_id == report.pk
    assert report.organization_name == "Lab Sending MTA"
    assert report.contact_info == f"tlsrpt-noreply@{names['reporter']}"
    assert (report.total_successful, report.total_failed) == (3, 2)
    assert report.day == datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
    types = sorted(report.failure_details.values_list("result_type", flat=True))
    assert types == ["certificate-expired", "certificate-host-mismatch"]
    assert not [w for w in report.warnings if "DKIM" in w], report.warnings

    # The owner sees it on the dashboard, counted once.
    client = Client()
    client.force_login(owner)
    page = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lab Sending MTA" in html
    assert "3 successful and 2 failed TLS sessions reported" in html
    assert "certificate-expired" in html and "certificate-host-mismatch" in html
    # Someone else does not.
    stranger = User.objects.create_user("stranger", "stranger@example.org")
    Team.create_for(stranger)
    client.force_login(stranger)
    assert client.get(f"/tlsrpt/{address.token}/dashboard/").status_code == 404
