"""Reports by e-mail (RFC 8460 §5.3): `manage.py ingest_email` on stdin and the SMTP listener,
with real DKIM signatures (dkimpy) verified against a DNS stub reached as the configured
resolver (MAILSEC_RESOLVER), as in production."""

from __future__ import annotations

import base64
import datetime
import functools
import gzip
import io
import os
import smtplib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import dkim
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.db import DatabaseError

from mailsec.celery import app
from reports.mail import storable
from reports.models import RawReport, ReportAddress, TlsReport
from reports.smtp import build_controller

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"tls-report-domain",
    b"tls-report-submitter",
    b"mime-version",
    b"content-type",
]


class DnsStub:
    """A tiny authoritative-ish UDP DNS server answering TXT queries from a dict."""

    def __init__(self) -> None:
        self.records: dict[str, bytes] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            if self.stopping and not wire:  # close()'s wake-up call (a query is never empty)
                break
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            value = self.records.get(question.name.to_text().lower())
            if value is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                chunks = [value[i : i + 255] for i in range(0, len(value), 255)]
                rdata = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)
                response.answer.append(dns.rrset.from_rdata(question.name, 300, rdata))
            self.sock.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.stopping = True
        # An empty datagram wakes the thread at once: otherwise it saw `stopping` only when its
        # recvfrom timed out, and each of the ~1,000 tests using the stub waited 0.1-0.2 s here.
        self.sock.sendto(b"", ("127.0.0.1", self.port))
        self.thread.join()
        self.sock.close()


@pytest.fixture
def dns_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[DnsStub]:
    stub = DnsStub()
    monkeypatch.setenv("MAILSEC_RESOLVER", f"127.0.0.1:{stub.port}")
    yield stub
    stub.close()


@functools.cache
def rsa_2048_key(purpose: str) -> rsa.RSAPrivateKey:
    """One 2048-bit RSA key per `purpose` for the whole session: making one takes about 0.1 s
    and some 200 tests sign or serve TLS with these; none needs a key of its own."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def signer(dns_stub: DnsStub) -> SimpleNamespace:
    key = rsa_2048_key("dkim")
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    p = base64.b64encode(public)
    dns_stub.records["tlsrpt2026._domainkey.sender.example."] = b"v=DKIM1; k=rsa; s=tlsrpt; p=" + p
    dns_stub.records["plain._domainkey.sender.example."] = b"v=DKIM1; k=rsa; p=" + p
    # RFC 6376 §3.6.1: s= is a list of services.
    dns_stub.records["list._domainkey.sender.example."] = b"v=DKIM1; k=rsa; s=email:tlsrpt; p=" + p
    dns_stub.records["web._domainkey.sender.example."] = b"v=DKIM1; k=rsa; s=web; p=" + p
    # Another reporter (and a relay) with keys of their own.
    dns_stub.records["tlsrpt2026._domainkey.other.example."] = b"v=DKIM1; k=rsa; s=tlsrpt; p=" + p
    return SimpleNamespace(private=private)


def sign(
    message: bytes,
    signer: SimpleNamespace,
    selector: bytes = b"tlsrpt2026",
    domain: bytes = b"sender.example",
    **kw,
) -> bytes:
    signature = dkim.sign(
        message,
        selector,
        domain,
        signer.private,
        include_headers=[h for h in SIGNED_HEADERS if h.decode() + ":" in message.decode().lower()],
        **kw,
    )
    return signature + message


@pytest.fixture
def eager() -> Iterator[None]:
    """Run the parse task inline as soon as it is queued (the test's transaction never
    commits, so on-commit hooks run at once here)."""
    app.conf.task_always_eager = True
    try:
        with mock.patch("django.db.transaction.on_commit", lambda f, using=None, robust=False: f()):
            yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def address(db: None) -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def make_message(
    address: ReportAddress,
    *,
    body: bytes | None = None,
    content_type: str = "application/tlsrpt+gzip",
    headers: bool = True,
    submitter: str = "sender.example",
) -> bytes:
    """The §12.2 sample mail: multipart/report with the report attached."""
    msg = EmailMessage()
    msg["From"] = "noreply-smtp-tls-reporting@sender.example"
    msg["To"] = address.mailto
    msg["Subject"] = (
        "Report Domain: example.com Submitter: sender.example Report-ID: <r1@sender.example>"
    )
    msg["Date"] = "Tue, 02 Jun 2026 03:12:40 +0000"
    msg["Message-ID"] = "<20260602031240.tlsrpt.4f9c@sender.example>"
    if headers:
        msg["TLS-Report-Domain"] = "example.com"
        msg["TLS-Report-Submitter"] = submitter
    msg.set_content("This is an aggregate TLS report from sender.example\n")
    payload = gzip.compress(SAMPLE) if body is None else body
    maintype, subtype = content_type.split("/")
    msg.add_attachment(
        payload,
        maintype=maintype,
        subtype=subtype,
        filename="sender.example!example.com!1780272000!1780358399!001.json.gz",
    )
    msg.replace_header(
        "Content-Type", msg["Content-Type"].replace("multipart/mixed", "multipart/report")
    )
    msg.set_param("report-type", "tlsrpt")
    return msg.as_bytes(policy=policy.SMTP)


def ingest(message: bytes, *args: str) -> int:
    stdin = SimpleNamespace(buffer=io.BytesIO(message))
    with mock.patch("sys.stdin", stdin), pytest.raises(SystemExit) as exc:
        call_command("ingest_email", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return int(exc.value.code or 0)


def only_raw() -> RawReport:
    return RawReport.objects.get()


def test_it_ingests_a_signed_report_from_stdin(address, signer, eager) -> None:
    assert ingest(sign(make_message(address), signer)) == 0
    raw = only_raw()
    assert raw.source == RawReport.EMAIL
    assert (raw.dkim_result, raw.dkim_domain, raw.dkim_key_tlsrpt) == (
        "pass",
        "sender.example",
        True,
    )
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.warnings == []
    assert raw.headers["tls-report-domain"] == "example.com"


def test_it_finds_the_address_in_the_envelope_recipient(address, signer, eager) -> None:
    # As Postfix pipes it: the To header names another address (a list, an alias).
    message = sign(make_message(address).replace(address.token.encode(), b"f" * 32), signer)
    assert ingest(message, "--recipient", address.mailto) == 0
    assert only_raw().parse_status == RawReport.PARSED


def test_it_finds_the_address_in_exims_envelope_to_header(address, signer, eager) -> None:
    # Exim's pipe_transport (envelope_to_add) names the envelope recipient in Envelope-to.
    message = sign(make_message(address).replace(address.token.encode(), b"f" * 32), signer)
    assert ingest(f"Envelope-to: {address.mailto}\r\n".encode() + message) == 0
    assert only_raw().parse_status == RawReport.PARSED


def test_it_keeps_but_rejects_an_unsigned_report(address, dns_stub, eager) -> None:
    assert ingest(make_message(address)) == 0  # M44: stored (nothing lost) …
    raw = only_raw()
    assert raw.parse_status == RawReport.REJECTED  # … but ignored, as RFC 8460 §3 says
    assert "unsigned reports MUST be ignored" in raw.error
    assert TlsReport.objects.count() == 0


def test_operators_may_accept_unsigned_reports(address, dns_stub, eager, settings) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    assert ingest(make_message(address)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED
    assert any("TLSRPT_REQUIRE_DKIM" in w for w in raw.report.warnings)


def test_it_rejects_a_signature_that_does_not_verify(address, signer, eager) -> None:
    message = sign(make_message(address), signer).replace(
        b"aggregate TLS report", b"aggregate TLS rep0rt"
    )
    assert ingest(message) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.parse_status) == ("fail", RawReport.REJECTED)


def test_it_rejects_a_signature_with_a_length_tag(address, signer, eager) -> None:
    assert ingest(sign(make_message(address), signer, length=True)) == 0
    raw = only_raw()
    assert raw.dkim_length_tag is True
    assert raw.parse_status == RawReport.REJECTED and "l=" in raw.error


def test_one_good_signature_counts_under_a_broken_one(address, signer, eager) -> None:
    # RFC 6376 §4/§6.1: a relay's signature on top (its key since removed) does not spoil the
    # reporter's own.
    message = sign(make_message(address), signer)
    relayed = sign(message, signer, selector=b"gone", domain=b"relay.example")
    assert relayed.count(b"DKIM-Signature") == 2
    assert ingest(relayed) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", "sender.example")
    assert raw.parse_status == RawReport.PARSED, raw.error


def test_the_submitters_signature_is_preferred_among_good_ones(address, signer, eager) -> None:
    # A relay's valid signature on top is not the reporter's: the submitter's one is read.
    relayed = sign(sign(make_message(address), signer), signer, domain=b"other.example")
    assert ingest(relayed) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", "sender.example")
    assert raw.parse_status == RawReport.PARSED, raw.error


def test_a_valid_signature_of_another_domain_than_the_submitter_is_rejected(
    address, signer, eager
) -> None:
    # Anyone can sign with their own domain a report that claims to come from google.com.
    forged = make_message(address, submitter="google.com")
    assert ingest(sign(forged, signer, domain=b"other.example")) == 0
    raw = only_raw()  # kept, as every rejected report
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", "other.example")
    assert raw.parse_status == RawReport.REJECTED
    assert "DKIM signing domain other.example is not the submitter google.com" in raw.error
    assert TlsReport.objects.count() == 0


def test_a_signature_of_a_parent_of_the_submitter_counts(address, signer, eager) -> None:
    message = make_message(address, submitter="mail.sender.example")
    assert ingest(sign(message, signer)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error


def test_a_signing_domain_of_the_submitters_organisation_counts() -> None:
    # Large senders sign from a mail subdomain; another organisation never matches.
    from reports.mail import same_or_parent

    assert same_or_parent("google.com", "google.com")
    assert same_or_parent("google.com", "mail.google.com")
    assert same_or_parent("mail.google.com", "google.com")
    assert same_or_parent("mail.example.co.uk", "reports.example.co.uk")
    assert not same_or_parent("other.co.uk", "example.co.uk")
    assert not same_or_parent("google.com.evil.example", "google.com")
    assert not same_or_parent("", "google.com")


def test_a_signature_of_another_domain_only_warns_when_dkim_is_not_required(
    address, signer, eager, settings
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    forged = make_message(address, submitter="google.com")
    assert ingest(sign(forged, signer, domain=b"other.example")) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert any("is not the submitter google.com" in w for w in raw.report.warnings)


def test_it_warns_when_the_key_lacks_s_tlsrpt(address, signer, eager) -> None:
    assert ingest(sign(make_message(address), signer, selector=b"plain")) == 0  # M45
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED
    assert any("s=tlsrpt" in w for w in raw.report.warnings)


def test_a_key_for_several_services_including_tlsrpt_verifies(address, signer, eager) -> None:
    assert ingest(sign(make_message(address), signer, selector=b"list")) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.dkim_key_tlsrpt) == ("pass", True)
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.warnings == []


def test_a_key_for_another_service_does_not_verify(address, signer, eager) -> None:
    assert ingest(sign(make_message(address), signer, selector=b"web")) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.parse_status) == ("fail", RawReport.REJECTED)


def test_the_part_declared_as_the_report_wins(address, signer, eager) -> None:
    # A JSON-looking part before the report must not be taken for it.
    msg = EmailMessage()
    msg["From"] = "noreply-smtp-tls-reporting@sender.example"
    msg["To"] = address.mailto
    msg["Subject"] = "Report Domain: example.com Submitter: sender.example Report-ID: <r1>"
    msg["TLS-Report-Domain"] = "example.com"
    msg["TLS-Report-Submitter"] = "sender.example"
    msg.set_content('{"note": "this is not the report"}\n')
    msg.add_attachment(b'{"also": "not it"}', maintype="application", subtype="json")
    msg.add_attachment(
        gzip.compress(SAMPLE), maintype="application", subtype="tlsrpt+gzip", filename="r.json.gz"
    )
    assert ingest(sign(msg.as_bytes(policy=policy.SMTP), signer)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.report_id == "2026-06-01T00:00:00Z_example.com"


def test_an_invalid_report_domain_header_is_ignored(address, signer, eager) -> None:
    message = make_message(address).replace(
        b"TLS-Report-Domain: example.com", b"TLS-Report-Domain: example.com, " + b"a" * 300
    )
    assert ingest(sign(message, signer)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert any("is not a domain name; ignored" in w for w in raw.report.warnings)


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("M39 no TLS-Report headers", {"headers": False}, "TLS-Report-Domain header is missing"),
        (
            "M40 submitter mismatch",
            {"submitter": "other.example"},
            "is not the domain of contact-info",
        ),
        (
            "M42 octet-stream",
            {"content_type": "application/octet-stream"},
            "declared application/octet-stream",
        ),
        ("M42 application/gzip", {"content_type": "application/gzip"}, "declared application/gzip"),
        (
            "M43 uncompressed JSON",
            {"body": SAMPLE, "content_type": "application/tlsrpt+json"},
            None,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("M") else "",
)
def test_it_handles_mail_variants(address, signer, eager, case, kwargs, expected) -> None:
    # Signed by the submitter, as RFC 8460 §3 asks.
    domain = kwargs.get("submitter", "sender.example").encode()
    assert ingest(sign(make_message(address, **kwargs), signer, domain=domain)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    warnings = raw.report.warnings
    if expected is None:
        assert warnings == []
    else:
        assert any(expected in w for w in warnings), warnings


def test_it_stores_the_same_mail_once(address, signer, eager) -> None:
    message = sign(make_message(address), signer)
    assert ingest(message) == 0
    assert ingest(message) == 0
    assert RawReport.objects.count() == 1 and TlsReport.objects.count() == 1


def test_a_report_sent_by_mail_and_https_is_counted_once(address, signer, eager, client) -> None:
    assert ingest(sign(make_message(address), signer)) == 0
    response = client.post(
        f"/tlsrpt/{address.token}",
        data=gzip.compress(SAMPLE),
        content_type="application/tlsrpt+gzip",
    )
    assert response.status_code == 201
    assert sorted(RawReport.objects.values_list("parse_status", flat=True)) == [
        "duplicate",
        "parsed",
    ]
    assert TlsReport.objects.count() == 1


def test_ingest_email_exit_codes(address, dns_stub) -> None:
    assert ingest(b"") == 65  # EX_DATAERR
    other = make_message(address).replace(address.token.encode(), b"0" * 32)
    assert ingest(other) == 67  # EX_NOUSER: no such address
    with mock.patch.object(RawReport, "store", side_effect=DatabaseError("locked")):
        assert ingest(make_message(address)) == 75  # EX_TEMPFAIL: the MTA keeps it and retries
    assert RawReport.objects.count() == 0


def test_a_dkim_lookup_that_times_out_is_tried_again_then_left_as_error(address, dns_stub) -> None:
    from reports.mail import DkimOutcome
    from reports.models import TEMPORARY_ATTEMPTS

    raw, _ = RawReport.store(address, make_message(address), source=RawReport.EMAIL)
    timed_out = DkimOutcome("temperror", detail="DNS lookup of the key failed: timeout")
    with mock.patch("reports.models.verify_dkim", return_value=timed_out) as verify:
        for attempt in range(1, TEMPORARY_ATTEMPTS + 1):
            status = raw.process()
            expected = RawReport.ERROR if attempt == TEMPORARY_ATTEMPTS else RawReport.PENDING
            assert status == expected, attempt
    assert verify.call_count == TEMPORARY_ATTEMPTS
    raw.refresh_from_db()
    assert "DNS lookup of the key failed" in raw.error and TlsReport.objects.count() == 0


def test_reparse_can_check_dkim_again_once_the_key_is_published(
    address, signer, dns_stub, eager
) -> None:
    assert ingest(sign(make_message(address), signer, selector=b"late")) == 0
    raw = only_raw()
    assert (raw.dkim_result, raw.parse_status) == ("fail", RawReport.REJECTED)
    dns_stub.records["late._domainkey.sender.example."] = dns_stub.records[
        "tlsrpt2026._domainkey.sender.example."
    ]
    call_command("reparse", "--all-failed", stdout=io.StringIO())
    assert only_raw().parse_status == RawReport.REJECTED  # the first outcome stands
    call_command("reparse", "--all-failed", "--recheck-dkim", stdout=io.StringIO())
    raw = only_raw()
    assert (raw.dkim_result, raw.parse_status) == ("pass", RawReport.PARSED), raw.error


def test_one_delivery_may_name_several_report_addresses(address, signer, eager) -> None:
    # Postfix expands ${original_recipient} to one argument per recipient.
    other = ReportAddress.objects.create(domain_name="example.com")
    message = sign(make_message(address), signer)
    assert ingest(message, "--recipient", address.mailto, other.mailto) == 0
    assert {r.address_id for r in RawReport.objects.all()} == {address.pk, other.pk}


def test_a_nul_in_a_kept_header_or_dkim_tag_is_stored_not_refused(address, signer, eager) -> None:
    # PostgreSQL text cannot hold NUL: the message must still be kept (never a tempfail loop).
    message = make_message(address).replace(
        b"Subject: Report Domain", b"Subject: Report\x00 Domain"
    )
    assert ingest(sign(message, signer)) == 0
    raw = only_raw()
    assert "\x00" not in raw.headers["subject"] and "\ufffd" in raw.headers["subject"]
    assert storable("sel\x00ector") == "sel\ufffdector"


def test_utf8_headers_are_kept_readable(address, dns_stub) -> None:
    # RFC 6532: raw UTF-8 in headers (SMTPUTF8); a byte that is not UTF-8 is replaced alone.
    message = make_message(address).replace(
        b"Subject: ", "Subject: Rapport été \u2014 ".encode() + b"\xff ", 1
    )
    assert ingest(message) == 0
    assert only_raw().headers["subject"].startswith("Rapport été \u2014 \ufffd Report Domain")


def test_the_postfix_wrapper_reads_the_environment_file_literally(tmp_path) -> None:
    root = Path(__file__).resolve().parent.parent
    env_file = tmp_path / "env"
    # What systemd accepts: comments (indented too), blanks around "=", odd names skipped.
    env_file.write_text(
        "# comment\r\n  # indented x=y\r\nMY-KEY=1\r\nSECRET_KEY = k(e&y$x \r\n"
        # A set SECRET_KEY without DEBUG looks like production and stops start-up.
        "DEBUG=1\r\n"
        f'DATABASE_URL="sqlite:///{tmp_path}/db.sqlite3"  \r\n'  # CRLF, trailing blanks
    )
    done = subprocess.run(
        [str(root / "deploy" / "mailsec-ingest-email"), "--help"],
        env={"PATH": "/usr/bin:/bin", "MAILSEC_HOME": str(root), "MAILSEC_ENV_FILE": str(env_file)},
        capture_output=True,
        timeout=60,
    )
    # --help exits 0 only when settings loaded: the quoted URL and the odd secret were read.
    assert done.returncode == 0, done.stderr.decode()
    assert b"--recipient" in done.stdout


@pytest.mark.parametrize("problem", ["settings", "usage"])
def test_the_postfix_wrapper_turns_setup_failures_into_tempfail(tmp_path, problem) -> None:
    # pipe(8) bounces on exit codes other than 0/65/67/75 (sysexits): a broken setting or a
    # usage error must make Postfix retry, not lose the report.
    root = Path(__file__).resolve().parent.parent
    env_file = tmp_path / "env"
    # A secret with shell characters in it must be read literally, not evaluated.
    env_file.write_text(
        "SECRET_KEY=k(e&y$x\nDEBUG=1\n"
        + ("DATABASE_URL=nosuchscheme://nowhere\n" if problem == "settings" else "")
    )
    args = ["--recipient", "tlsrpt+00@x"] if problem == "settings" else ["--no-such-option"]
    done = subprocess.run(
        [str(root / "deploy" / "mailsec-ingest-email"), *args],
        input=b"Subject: x\n\nbody\n",
        env={"PATH": "/usr/bin:/bin", "MAILSEC_HOME": str(root), "MAILSEC_ENV_FILE": str(env_file)},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 75, done.stderr.decode()


@pytest.mark.parametrize("problem", ["missing", "directory", "unreadable", "default missing"])
def test_the_postfix_wrapper_defers_when_its_env_file_cannot_be_read(tmp_path, problem) -> None:
    # Without the env file ingest_email runs on the development defaults, matches no recipient
    # and answers 67: Postfix would bounce every report. A root-only 0600 file (readable by
    # systemd, not by pipe(8)'s user mailsec) is the usual cause.
    root = Path(__file__).resolve().parent.parent
    env_file = tmp_path / "env"
    env = {"PATH": "/usr/bin:/bin", "MAILSEC_HOME": str(root), "MAILSEC_ENV_FILE": str(env_file)}
    if problem == "directory":
        env_file.mkdir()
    elif problem == "unreadable":
        env_file.write_text("SECRET_KEY=x\n")
        env_file.chmod(0o200)  # as a root-only file looks to user mailsec
    elif problem == "default missing":
        if Path("/etc/mailsec/env").exists():
            pytest.skip("this host has /etc/mailsec/env")
        del env["MAILSEC_ENV_FILE"]
    command = [str(root / "deploy" / "mailsec-ingest-email"), "--help"]  # 0 when it loads
    if problem == "unreadable" and os.geteuid() == 0:
        # Root reads any file: run the wrapper as an unprivileged user, as pipe(8) does.
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 75, done.stderr.decode()
    expected = "/etc/mailsec/env" if problem == "default missing" else str(env_file)
    assert f"env file {expected} is missing or not readable" in done.stderr.decode()


def test_an_empty_env_file_setting_opts_out_of_loading_one(tmp_path) -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [str(root / "deploy" / "mailsec-ingest-email"), "--help"],
        env={
            "PATH": "/usr/bin:/bin",
            "MAILSEC_HOME": str(root),
            "MAILSEC_ENV_FILE": "",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"--recipient" in done.stdout


def test_a_report_address_at_another_domain_is_a_setup_mismatch_not_an_unknown_user(
    address, dns_stub, settings
) -> None:
    # The inbound domain the MTA delivers for is not ours (a setting not loaded): 75 keeps the
    # reports queued until it is fixed, where 67 would bounce them all.
    elsewhere = f"tlsrpt+{address.token}@mail.other.example"
    assert ingest(make_message(address), "--recipient", elsewhere) == 75
    # Any other address stays "no such user".
    assert ingest(make_message(address), "--recipient", "postmaster@mail.other.example") == 67
    assert RawReport.objects.count() == 0


def _fill_quota(address: ReportAddress, count: int, size: int = 10) -> None:
    RawReport.objects.bulk_create(
        RawReport(address=address, source=RawReport.EMAIL, body=b"", sha256=str(i), size=size)
        for i in range(count)
    )


def test_ingest_email_defers_over_the_daily_quota(address, dns_stub, settings) -> None:
    settings.TLSRPT_DAILY_REPORTS_PER_ADDRESS = 2
    first = make_message(address)
    assert ingest(first) == 0
    _fill_quota(address, 1)
    assert ingest(make_message(address, submitter="other.example")) == 75  # EX_TEMPFAIL
    assert ingest(first) == 0  # already stored: not counted, not refused
    assert RawReport.objects.count() == 2


# --- The SMTP listener -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tls_files(tmp_path: Path) -> SimpleNamespace:
    key = rsa_2048_key("tls")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return SimpleNamespace(cert=str(cert_path), key=str(key_path))


@pytest.fixture
def smtpd(transactional_db: None, tls_files: SimpleNamespace) -> Iterator[tuple[str, int]]:
    port = _free_port()
    controller = build_controller(
        "127.0.0.1", port, tls_cert=tls_files.cert, tls_key=tls_files.key, require_starttls=True
    )
    controller.start()
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()


def _client(where: tuple[str, int], tls_files: SimpleNamespace) -> smtplib.SMTP:
    client = smtplib.SMTP(*where, local_hostname="sender.example", timeout=10)
    context = ssl.create_default_context(cafile=tls_files.cert)
    context.check_hostname = False  # we connect by IP; the chain is still verified
    client.starttls(context=context)
    return client


def test_the_smtp_listener_stores_a_signed_report_over_starttls(
    smtpd, signer, eager, tls_files
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    message = sign(make_message(address), signer)
    with _client(smtpd, tls_files) as client:
        refused = client.sendmail("noreply@sender.example", [address.mailto], message)
        assert refused == {}
        # the same report again: answered 250, stored once
        client.sendmail("noreply@sender.example", [address.mailto], message)
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    assert TlsReport.objects.count() == 1


def test_the_smtp_listener_refuses_unknown_recipients(smtpd, tls_files) -> None:
    with _client(smtpd, tls_files) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail(
            "a@sender.example", ["tlsrpt+00000000000000000000@localhost"], b"Subject: x\r\n\r\nx"
        )


def test_the_smtp_listener_requires_starttls(smtpd) -> None:
    with smtplib.SMTP(*smtpd, timeout=10) as client:
        code, _ = client.mail("a@sender.example")
        assert code == 530


def test_the_smtp_listener_answers_451_when_storage_fails(smtpd, tls_files) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    with (
        mock.patch.object(RawReport, "store", side_effect=DatabaseError("disk full")),
        _client(smtpd, tls_files) as client,
        pytest.raises(smtplib.SMTPDataError) as exc,
    ):
        client.sendmail("a@sender.example", [address.mailto], make_message(address))
    assert exc.value.smtp_code == 451
    assert RawReport.objects.count() == 0


def test_the_smtp_listener_defers_an_address_over_its_daily_quota(
    smtpd, tls_files, settings
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    first = make_message(address)
    settings.TLSRPT_DAILY_BYTES_PER_ADDRESS = len(first) + 100
    with _client(smtpd, tls_files) as client:
        assert client.sendmail("a@sender.example", [address.mailto], first) == {}
        # Room left, but not for this message: RCPT is taken, DATA is deferred with 452.
        with pytest.raises(smtplib.SMTPDataError) as exc:
            client.sendmail(
                "a@sender.example", [address.mailto], make_message(address, submitter="b.example")
            )
        assert exc.value.smtp_code == 452
        assert client.sendmail("a@sender.example", [address.mailto], first) == {}  # resend
        # Full: a new report is deferred at DATA, an identical resend is still answered 250
        # (only the body tells them apart; the sender may have lost our first reply).
        _fill_quota(address, 1, size=100)
        with pytest.raises(smtplib.SMTPDataError) as exc:
            client.sendmail(
                "a@sender.example", [address.mailto], make_message(address, submitter="c.example")
            )
        assert exc.value.smtp_code == 452 and b"daily quota" in exc.value.smtp_error
        assert client.sendmail("a@sender.example", [address.mailto], first) == {}
    assert RawReport.objects.count() == 2


def test_the_smtp_listener_takes_lines_longer_than_1000_octets(smtpd, tls_files) -> None:
    # aiosmtpd's default answers "500 Line too long", a permanent refusal: the report would
    # bounce, while ingest_email stores the same message.
    address = ReportAddress.objects.create(domain_name="example.com")
    message = make_message(address).replace(
        b"\r\n\r\n", b"\r\nX-Long: " + b"a" * 1500 + b"\r\n\r\n", 1
    )
    with _client(smtpd, tls_files) as client:
        assert client.sendmail("a@sender.example", [address.mailto], message) == {}
    assert bytes(only_raw().body) == message


def test_the_smtp_listener_refuses_an_empty_message(smtpd, tls_files) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    with _client(smtpd, tls_files) as client:
        client.ehlo()
        client.mail("a@sender.example")
        assert client.rcpt(address.mailto)[0] == 250
        code, reply = client.data(b"")
    assert (code, reply) == (554, b"5.6.0 Empty message")
    assert RawReport.objects.count() == 0


def test_the_readme_sample_mail_is_a_usable_report(address, dns_stub, eager, settings) -> None:
    # README's "Send it a TLS-RPT report" pipes tests/data/tlsrpt/sample.eml (unsigned) with
    # the recipient given, as an MTA does; with DKIM required it is kept but rejected.
    sample = (Path(__file__).parent / "data" / "tlsrpt" / "sample.eml").read_bytes()
    settings.TLSRPT_REQUIRE_DKIM = False
    assert ingest(sample, "--recipient", address.mailto) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.policies.count() >= 1 and raw.headers["tls-report-domain"] == "example.com"


@pytest.mark.parametrize(
    ("content_type", "warned"),
    [
        ('multipart/report; report-type="tlsrpt"', False),
        ('multipart/report; report-type="TLSRPT"', False),
        ("Multipart/Report; Report-Type=TlsRpt", False),
        ("multipart/report; report-type*=us-ascii''TLSRPT", False),
        ('multipart/report; report-type="delivery-status"', True),
        ("multipart/mixed", True),
    ],
)
def test_the_report_type_compares_case_insensitively(
    address: ReportAddress, content_type: str, warned: bool
) -> None:
    from reports.mail import extract_report

    message = make_message(address).replace(
        b'Content-Type: multipart/report; report-type="tlsrpt";',
        f"Content-Type: {content_type};".encode(),
        1,
    )
    assert content_type.encode() in message
    found = extract_report(message)
    assert found.submitter == "sender.example"
    assert any("not multipart/report" in w for w in found.warnings) is warned, found.warnings


@pytest.mark.parametrize(
    ("report_domain", "counted"),
    [("example.com", True), ("mail.example.com", True), ("parked.example.net", False)],
)
def test_a_dane_only_report_is_placed_by_its_tls_report_domain(
    address, signer, eager, report_domain: str, counted: bool
) -> None:
    # A tlsa policy-domain is an MX host (RFC 8460 §1.1), so a DANE-only report names its
    # policy domain only in the TLS-Report-Domain header (RFC 8460 §5.3).
    import json

    report = json.loads(SAMPLE)
    report["policies"] = report["policies"][1:]
    message = make_message(address, body=gzip.compress(json.dumps(report).encode())).replace(
        b"TLS-Report-Domain: example.com", f"TLS-Report-Domain: {report_domain}".encode()
    )
    assert ingest(sign(message, signer)) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.counted is counted
    assert any(w.startswith("This report is about parked") for w in raw.report.warnings) is (
        not counted
    )


def test_without_a_submitter_header_the_reporters_signature_under_a_relays_counts(
    address, signer, eager
) -> None:
    # The reporter is then the contact-info domain, known only after parsing: the signature
    # kept before (the relay's, on top) is chosen again with it.
    message = sign(make_message(address, headers=False), signer)
    relayed = sign(message, signer, domain=b"other.example")
    assert ingest(relayed) == 0
    raw = only_raw()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_domain == "sender.example"


def test_only_a_few_signatures_are_verified(address, signer, eager) -> None:
    # A report address is public: thousands of signatures must not cost thousands of key
    # lookups and body hashes.
    from reports import mail

    message = make_message(address)
    for _ in range(20):
        message = sign(message, signer, domain=b"other.example")
    with mock.patch.object(mail, "_verify_one", wraps=mail._verify_one) as verify:
        assert ingest(message) == 0
    assert verify.call_count <= mail.MAX_SIGNATURES


def test_the_organisation_match_honours_the_sites_own_suffixes(monkeypatch) -> None:
    from reports.mail import same_or_parent

    assert same_or_parent("a.lab.test", "b.lab.test")  # the PSL sees one organisation
    monkeypatch.setenv("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "lab.test")
    assert not same_or_parent("a.lab.test", "b.lab.test")
