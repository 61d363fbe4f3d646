"""The lab's own tests: every scenario's servers behave as the scenario file declares.

These talk to the lab with dnspython, ssl, smtplib and http.client directly, never with the
product's engine, and only to 127.x / ::1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from checks.certs import serial_of
from tests.lab.control import Lab
from tests.lab.markers import exclusive
from tests.lab.pki import STALE_CAS
from tests.lab.runner import POINTER, REPO, _pid_alive, is_alive, read_pointer, start_timeout
from tests.lab.scenarios import (
    HttpsHost,
    Scenario,
    ScenarioError,
    SmtpHost,
    load_file,
    load_scenarios,
)

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning"),
]
pytest_plugins = ["tests.lab.pytest_plugin"]

SCENARIOS = load_scenarios()
CHECKLIST_FIXTURES = [
    "F01",
    "F02",
    "F03",
    "F05",
    "F06a",
    "F06b",
    "F06c",
    "F06d",
    "F08",
    "F09a",
    "F09b",
    "F09c",
    "F11",
    "F12a",
    "F12b",
    "F13",
    "F15a",
    "F15b",
    "F15c",
    "F18",
    "F19",
    "F20",
    "F21a",
    "F21b",
    "F21c",
    "F21d",
    "F22a",
    "F22b",
    "F22c",
    "F23",
    "F25",
    "F26",
    "F28",
    "F29",
    "F30a",
    "F30b",
    "F31",
    "F32a",
    "F32b",
    "F35",
    "F36a",
    "F36b",
    "F36c",
    "F36d",
    "F36e",
    "F36f",
    "F37",
    "F37b",
    "F38a",
    "F38b",
    "F39a",
    "F39b",
    "F39c",
    "F39d",
    "F39e",
    "F39f",
    "F39g",
    "F40",
    "F41",
    "F42",
    "F43a",
    "F43b",
    "F43c",
    "F44",
    "F45",
    "F47",
    "F48",
    "F51",
    "F52",
    "F53",
    "F54",
    "F55",
    "F58a",
    "F58b",
    "F58c",
    "F58d",
    "F58e",
    "F58f",
    "F58g",
]
SMTP_ROWS = [(s, h) for s in SCENARIOS for h in s.smtp]
HTTPS_ROWS = [(s, w) for s in SCENARIOS for w in s.https]
NOW = dt.datetime.now(dt.UTC)


def loose_context() -> ssl.SSLContext:
    """Accept anything, TLS 1.0 included: used to look at what a server presents."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    # A name only in the subject CN names nothing (RFC 8461 §4.2 wants a DNS-ID in the SAN,
    # RFC 6125 §6.4.4): Python would otherwise fall back to the CN when no DNS SAN is present.
    ctx.hostname_checks_common_name = False
    return ctx


def strict_context(lab: Lab) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=lab.ca_bundle)
    ctx.set_ciphers("ALL:@SECLEVEL=0")  # judge the certificate, not the protocol version
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    # A name only in the subject CN names nothing (RFC 8461 §4.2 wants a DNS-ID in the SAN,
    # RFC 6125 §6.4.4): Python would otherwise fall back to the CN when no DNS SAN is present.
    ctx.hostname_checks_common_name = False
    return ctx


def name_matches(host: str, sans: tuple[str, ...]) -> bool:
    # DNS names compare case-insensitively (RFC 4343, RFC 9525 §6.3): s13t-sanupper's SAN is
    # in capitals and still names its host.
    host = host.lower()
    return any(
        s == host or (s.startswith("*.") and host.split(".", 1)[1] == s[2:])
        for s in (san.lower() for san in sans)
    )


def should_verify(
    kind: str,
    chain: str,
    host: str,
    sans: tuple[str, ...],
    validity: tuple[float, float] | None = None,
) -> bool:
    # "expiring" is valid, only close to its end (SMTP-10's warning window).
    # A stale intermediate beside its current twin leaves a valid path (OpenSSL takes the
    # current one); alone, an expired or not-yet-valid intermediate breaks it.
    # A declared validity window that ended or has not begun (s34l-eeexpirednosts: a
    # "valid" certificate that expired three weeks ago) does not verify either.
    return (
        kind in ("valid", "expiring")
        and (validity is None or validity[0] < 0 < validity[1])
        and chain
        in (
            "full",
            "expired-and-valid-intermediate",
            "root-first",
            "extra-unrelated",
            "with-root",
            "cross-expired-root",
        )
        and name_matches(host, sans)
    )


def query(lab: Lab, name: str, rdtype: str) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, want_dnssec=True, use_edns=0, payload=1232)
    return dns.query.udp(q, lab.resolver.rsplit(":", 1)[0], port=53, timeout=5)


def ede_codes(r: dns.message.Message) -> set[int]:
    return {int(o.code) for o in r.options if isinstance(o, dns.edns.EDEOption)}


class Probe:
    waited = 0.0  # seconds the connection, greeting and EHLO took (see _probes)

    def __init__(self, host: SmtpHost, sni: str | None, ctx: ssl.SSLContext) -> None:
        self.smtp = smtplib.SMTP(timeout=10)
        self.code, self.banner = self.smtp.connect(host.ip, host.port)
        self.smtp.ehlo("probe.lab.test")
        self.offered = self.smtp.has_extn("starttls")
        self.sni, self.ctx = sni, ctx

    def starttls(self) -> ssl.SSLSocket:
        self.smtp._host = self.sni  # smtplib takes SNI and the name check from _host
        self.smtp.starttls(context=self.ctx)
        return self.smtp.sock  # type: ignore[return-value]

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


# ------------------------------------------------------------------ up / down (runs first)
def _skip_if_a_lab_runs() -> None:
    live = read_pointer()
    if (
        live
        and (live / "state.json").exists()
        and is_alive(json.loads((live / "state.json").read_text()))
    ):
        pytest.skip(
            f"a lab started outside this session is running in {live}; its addresses are taken"
        )


@exclusive
def test_it_starts_and_stops_without_leftovers() -> None:
    _skip_if_a_lab_runs()
    env = {k: v for k, v in os.environ.items() if k != "MAILSEC_LAB_RUN"}
    out = subprocess.run(
        [sys.executable, "-m", "tests.lab", "up", "--delay-ms", "30"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # How long `up` takes is for the README and the `timings` in state.json, not asserted:
    # on a loaded 2-core machine it swings from 2 to 15 s (speed is measured, never tested).
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout)
    try:
        assert state["resolver"] == "127.0.53.2:53"
        assert state["authoritative"] == "127.0.53.1:53"
        assert state["slow_resolver"] == "127.0.53.4:53"
        assert Path(state["ca_bundle"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert state["env"]["MAILSEC_RESOLVER"] == "127.0.53.2:53"
        assert state["env"]["MAILSEC_CA_BUNDLE"] == state["ca_bundle"]
        assert state["env"]["MAILSEC_ALLOW_PRIVATE_TARGETS"] == "1"
        assert state["env"]["MAILSEC_EXTRA_PUBLIC_SUFFIXES"] == "test,lab.test"
        assert state["tsig"]["algorithm"] == "hmac-sha256"
        assert POINTER.read_text().strip() == state["run_dir"]
        # the slow resolver really sits behind the delay proxy: a cold lookup pays several hops
        q = dns.message.make_query("f01.lab.test", "MX", want_dnssec=True)
        t1 = time.monotonic()
        r = dns.query.udp(q, "127.0.53.4", port=53, timeout=10)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD
        assert time.monotonic() - t1 >= 0.06
    finally:
        down = subprocess.run(
            [sys.executable, "-m", "tests.lab", "down"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            # Under load stopping the daemons can take as long as starting them; a `down` cut
            # short would leave the lab up and every later lab test erroring.
            timeout=start_timeout(),
        )
    assert down.returncode == 0, down.stderr
    for name, pid in state["pids"].items():
        assert not _pid_alive(pid), f"{name} (pid {pid}) still running"
    assert not Path(state["run_dir"]).exists()
    assert not POINTER.exists()
    bound = listeners()
    for ip in (
        "127.0.53.1",
        "127.0.53.2",
        "127.0.53.3",
        "127.0.53.4",
        "127.0.60.10",
        "127.0.61.1",
        "127.0.62.1",
        "127.0.62.2",
    ):
        assert ip not in bound, f"something still bound to {ip}"


@exclusive
def test_two_ups_at_the_same_instant_start_one_lab() -> None:
    _skip_if_a_lab_runs()
    env = {k: v for k, v in os.environ.items() if k != "MAILSEC_LAB_RUN"}
    cmd = [sys.executable, "-m", "tests.lab", "up"]
    ups = [
        subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    winner: str | None = None
    try:
        # The winner may take the whole start timeout, and the other waits as long for it.
        outs = [p.communicate(timeout=start_timeout() + 60) for p in ups]
        codes = sorted(p.returncode for p in ups)
        assert codes == [0, 1], outs
        (loser_err,) = [err for p, (_, err) in zip(ups, outs, strict=True) if p.returncode]
        assert "a lab is already running" in loser_err
        (winner_out,) = [out for p, (out, _) in zip(ups, outs, strict=True) if not p.returncode]
        winner = json.loads(winner_out)["run_dir"]
        assert POINTER.read_text().strip() == winner
    finally:
        for p in ups:
            p.kill()
        # Stop this test's lab only; a lab we did not see start is left alone.
        stop = ["--run-dir", winner] if winner else []
        subprocess.run(
            [sys.executable, "-m", "tests.lab", "down", *stop],
            cwd=REPO,
            env=env,
            timeout=start_timeout(),  # as above: never leave the lab up for the tests after
            check=False,
        )
    assert not POINTER.exists()


def listeners() -> set[str]:
    """Local IPv4 addresses with a TCP listener or a bound UDP socket (from /proc/net)."""
    out = set()
    for proto in ("tcp", "udp"):
        for line in Path(f"/proc/net/{proto}").read_text().splitlines()[1:]:
            fields = line.split()
            if proto == "tcp" and fields[3] != "0A":  # 0A = LISTEN
                continue
            ip_hex = fields[1].split(":")[0]
            out.add(socket.inet_ntoa(bytes.fromhex(ip_hex)[::-1]))
    return out


# ------------------------------------------------------------------ scenario files
def test_every_checklist_fixture_has_a_scenario() -> None:
    have = {s.checklist for s in SCENARIOS if s.checklist}
    assert set(CHECKLIST_FIXTURES) <= have, sorted(set(CHECKLIST_FIXTURES) - have)
    assert next(s for s in SCENARIOS if s.domain == "f01.lab.test").expect_fail == set()


def test_a_bad_scenario_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('domain = "x.lab.test"\nrecords = ["@ 300 A 127.0.60.1"]\n')  # no [expect]
    with pytest.raises(ScenarioError, match="broken.toml"):
        load_file(bad)
    bad.write_text(
        'domain = "x.lab.test"\n[[smtp]]\nhost = "mx"\nip = "192.0.2.1"\n[expect]\nmtasts = "none"\n'
    )
    with pytest.raises(ScenarioError, match="outside the lab plan"):
        load_file(bad)


def test_extra_scenario_folders_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x1.toml").write_text(
        'domain = "x1.lab.test"\nrecords = []\n[expect]\nfail = ["MX-01"]\nmtasts = "none"\n'
    )
    monkeypatch.setenv("MAILSEC_LAB_SCENARIOS", str(tmp_path))
    got = {s.domain: s for s in load_scenarios()}
    assert got["x1.lab.test"].expect_fail == {"MX-01"}
    assert len(got) == len(SCENARIOS) + 1


# ------------------------------------------------------------------ DNS
def test_signed_name_gets_ad(lab: Lab) -> None:
    r = query(lab, "f01.lab.test", "MX")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AD
    assert len(r.answer[0]) == 2


def test_names_outside_test_are_refused(lab: Lab) -> None:
    assert query(lab, "example.com", "A").rcode() == dns.rcode.REFUSED


def test_lab_test_publishes_no_policy_records(lab: Lab) -> None:
    for name in ("_dmarc.lab.test", "_mta-sts.lab.test", "lab.test", "default._bimi.lab.test"):
        r = query(lab, name, "TXT")
        assert r.flags & dns.flags.AD
        assert not r.answer, f"{name} TXT must stay empty"


# Every zone's SOA and MX answers, asked for all zones at once by the first zone test (per lab
# run): the resolver's cache flushed once, then AT_ONCE lookups at a time. A zone test flushing
# the cache for itself (four unbound-control runs) spent most of its 0.12 s there.
_ZONE_ANSWERS: dict[str, dict[str, tuple[dns.message.Message, dns.message.Message] | None]] = {}
AT_ONCE = 8


def _zone_answers(
    lab: Lab, session: pytest.Session
) -> dict[str, tuple[dns.message.Message, dns.message.Message] | None]:
    run = str(lab.run_dir)
    if run not in _ZONE_ANSWERS:
        zones = [
            item.callspec.params["s"]
            for item in session.items
            if isinstance(item, pytest.Function)
            and item.originalname == "test_zone_validates_as_declared"
        ]
        lab.flush()

        def ask(s: Scenario) -> tuple[dns.message.Message, dns.message.Message] | None:
            try:
                return query(lab, s.domain, "SOA"), query(lab, s.domain, "MX")
            except (dns.exception.DNSException, OSError):
                return None  # asked again alone by its test

        with ThreadPoolExecutor(AT_ONCE) as pool:
            _ZONE_ANSWERS[run] = dict(
                zip((s.domain for s in zones), pool.map(ask, zones), strict=True)
            )
    return _ZONE_ANSWERS[run]


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_zone_validates_as_declared(lab: Lab, s: Scenario, request: pytest.FixtureRequest) -> None:
    answers = _zone_answers(lab, request.session).get(s.domain)
    if answers is not None:
        try:
            zone_reads_as_declared(s, *answers)
        except AssertionError:
            pass  # asked again alone below, as before: that answer is what counts
        else:
            return
    lab.flush(s.domain)
    zone_reads_as_declared(s, query(lab, s.domain, "SOA"), query(lab, s.domain, "MX"))


def zone_reads_as_declared(s: Scenario, soa: dns.message.Message, mx: dns.message.Message) -> None:
    if s.dnssec == "signed":
        assert soa.rcode() == dns.rcode.NOERROR and soa.flags & dns.flags.AD
    elif s.dnssec == "unsigned" and any(
        r.split()[:1] == [s.domain.removesuffix(".lab.test")] and " DS " in r
        for r in s.other_zones.get("lab.test", ())
    ):
        # a DS left in lab.test for a zone served unsigned (s11d-orphands): bogus, no DNSKEY
        assert soa.rcode() == dns.rcode.SERVFAIL and ede_codes(soa) & {9, 6}
    elif s.dnssec == "unsigned":
        assert soa.rcode() == dns.rcode.NOERROR and not soa.flags & dns.flags.AD
    elif s.dnssec == "expired-signatures":
        assert soa.rcode() == dns.rcode.SERVFAIL and ede_codes(soa) & {7, 6}
        assert 7 in ede_codes(mx) or 6 in ede_codes(mx)
    elif s.dnssec == "ds-mismatch":
        assert soa.rcode() == dns.rcode.SERVFAIL and ede_codes(soa) & {9, 6}
    elif s.dnssec == "tampered":
        assert soa.rcode() == dns.rcode.NOERROR and soa.flags & dns.flags.AD
        assert mx.rcode() == dns.rcode.SERVFAIL and 6 in ede_codes(mx)


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_every_record_is_served(lab: Lab, s: Scenario) -> None:
    for line in s.records:
        owner, _ttl, rdtype = line.split()[:3]
        name = s.domain + "." if owner == "@" else f"{owner}.{s.domain}."
        q = dns.message.make_query(name, rdtype)
        q.flags = 0
        r, _ = dns.query.udp_with_fallback(q, "127.0.53.1", port=53, timeout=2)
        assert r.flags & dns.flags.AA and r.answer, f"{line!r} not served"
        if rdtype == "TLSA":
            assert "{" not in r.answer[0].to_text(), "TLSA placeholder left unfilled"


def test_tlsa_matches_live_certificate(lab: Lab) -> None:
    r = query(lab, "_25._tcp.mx1.f01.lab.test", "TLSA")
    assert r.flags & dns.flags.AD
    hashes = {rd.cert.hex() for rd in r.answer[0]}
    assert len(hashes) == 2  # current key plus the published next key
    host = lab.scenario("f01").smtp[0]
    p = Probe(host, host.host, strict_context(lab))
    try:
        der = p.starttls().getpeercert(binary_form=True)
    finally:
        p.close()
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert hashlib.sha256(spki).hexdigest() in hashes


def test_runtime_update_and_flush(lab: Lab) -> None:
    label = f"lab-update-{os.getpid()}"
    lab.update("f01.lab.test", add=[(label, 300, "TXT", '"v=lab1"')])
    try:
        lab.flush("f01.lab.test")
        r = query(lab, f"{label}.f01.lab.test", "TXT")
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD
        assert r.answer[0][0].to_text() == '"v=lab1"'
    finally:
        lab.update("f01.lab.test", delete=[(label,)])
        lab.flush("f01.lab.test")
    assert query(lab, f"{label}.f01.lab.test", "TXT").rcode() == dns.rcode.NXDOMAIN


# ------------------------------------------------------------------ SMTP fleet
PLAIN_SMTP = [(s, h) for s, h in SMTP_ROWS if not h.max_connections and h.standard_dialogue]


def _timed_probe(h: SmtpHost, sni: str | None, ctx: ssl.SSLContext) -> Probe:
    t0 = time.monotonic()
    probe = Probe(h, sni, ctx)
    probe.waited = time.monotonic() - t0
    return probe


def _probes(h: SmtpHost, contexts: list[tuple[str | None, ssl.SSLContext]]) -> list[Probe]:
    """Probes (sni, context) of one host opened at once, so that each waits out the host's
    greeting and EHLO delays (8 s on s13t-slowgreet) beside the others, not after them."""
    with ThreadPoolExecutor(len(contexts)) as pool:
        opening = [pool.submit(_timed_probe, h, sni, ctx) for sni, ctx in contexts]
    opened = [f.result() for f in opening if f.exception() is None]
    if len(opened) < len(opening):
        for probe in opened:
            probe.close()
        next(f for f in opening if f.exception() is not None).result()  # raises its error
    return opened


@pytest.mark.parametrize(("s", "h"), PLAIN_SMTP, ids=[h.host for _, h in PLAIN_SMTP])
def test_mx_host_behaves_as_declared(
    lab: Lab, s: Scenario, h: SmtpHost, request: pytest.FixtureRequest
) -> None:
    contexts = [(h.host, loose_context())]
    if h.starttls and not h.starttls_reply:
        # The sessions after this one's (the same certificate without SNI, the PKIX verdict)
        # connect now, beside it: each waits out the host's delays, and none is tested sooner.
        contexts += [(None, loose_context()), (h.host, strict_context(lab))]
    p, *later = _probes(h, contexts)
    for probe in later:
        request.addfinalizer(probe.close)  # also when the test ends before using it
    assert p.code == 220 and h.host.encode() in p.banner
    assert p.waited >= h.banner_delay
    try:
        assert p.offered == h.starttls
        if not h.starttls:
            return
        if h.starttls_reply:
            # offered, then refused with the declared reply, every time (s11e-tls454)
            for _ in range(2):
                code, text = p.smtp.docmd("STARTTLS")
                assert f"{code} {text.decode()}" == h.starttls_reply
            return
        sock = p.starttls()
        assert (
            sock.version()
            == {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}[h.tls_max]
        )
        der = sock.getpeercert(binary_form=True)
        if h.cert.serial is not None and h.cert.serial <= 0:
            # Declared (s38e): a serial RFC 5280 §4.1.2.2 forbids, which cryptography warns
            # about on reading. Expected here, so asserted, and the serial read as served.
            with pytest.warns(CryptographyDeprecationWarning, match="serial number"):
                cert = x509.load_der_x509_certificate(der)
            assert serial_of(cert) == h.cert.serial
        else:
            cert = x509.load_der_x509_certificate(der)
        code, _ = p.smtp.ehlo("probe.lab.test")
        # Only the hosts declared to breach RFC 3207 §4.2 may offer STARTTLS again.
        assert code == 250
        assert p.smtp.has_extn("starttls") == h.reoffer_starttls, "STARTTLS offer after TLS"
    finally:
        p.close()
    issuer = cert.issuer.rfc4514_string()
    if h.cert.kind == "expired" or (h.cert.validity and h.cert.validity[1] < 0):
        # a declared validity window in the past (s29d-eeselfexp) is served expired too
        assert cert.not_valid_after_utc < NOW
    elif h.cert.kind == "not-yet-valid" or (h.cert.validity and h.cert.validity[0] > 0):
        # a declared validity window that starts later (s35l-tanotyet) is not valid yet
        assert cert.not_valid_before_utc > NOW
    else:
        assert cert.not_valid_before_utc < NOW < cert.not_valid_after_utc
    if h.cert.kind == "self-signed":
        assert cert.issuer == cert.subject
    elif h.cert.kind == "rogue":
        assert "Rogue Root X" in issuer
    elif h.cert.chain in STALE_CAS:
        # A stale-intermediate chain has a CA of its own (Lab Issuing CA 2, 3 or 4).
        assert f"CN={STALE_CAS[h.cert.chain][1]}," in issuer
    else:
        assert "Lab Issuing CA 1" in issuer
    # same certificate without SNI (RFC 8461 §7.1)
    p2, p3 = later
    try:
        assert p2.starttls().getpeercert(binary_form=True) == cert.public_bytes(
            serialization.Encoding.DER
        )
    finally:
        p2.close()
    # PKIX verdict against the lab root only: chain, dates, names
    try:
        if should_verify(h.cert.kind, h.cert.chain, h.host, h.cert.sans, h.cert.validity):
            p3.starttls()
        else:
            with pytest.raises(ssl.SSLCertVerificationError):
                p3.starttls()
    finally:
        p3.close()


@pytest.mark.parametrize("version", ["1.0", "1.0-1.2"])
def test_old_tls_hosts_negotiate_exactly_their_range(lab: Lab, version: str) -> None:
    lo, _, hi = version.partition("-")
    h = next(h for _, h in SMTP_ROWS if (h.tls_min, h.tls_max) == (lo, hi or lo))
    for offer, ok in (("1.0", True), ("1.2", h.tls_max >= "1.2"), ("1.3", h.tls_max >= "1.3")):
        ctx = loose_context()
        v = {
            "1.0": ssl.TLSVersion.TLSv1,
            "1.2": ssl.TLSVersion.TLSv1_2,
            "1.3": ssl.TLSVersion.TLSv1_3,
        }[offer]
        ctx.minimum_version = ctx.maximum_version = v
        p = Probe(h, h.host, ctx)
        try:
            if ok:
                assert (
                    p.starttls().version()
                    == {"1.0": "TLSv1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}[offer]
                )
            else:
                with pytest.raises((ssl.SSLError, smtplib.SMTPException)):
                    p.starttls()
        finally:
            p.close()


def test_rate_limited_host_answers_421(lab: Lab) -> None:
    h = next(h for _, h in SMTP_ROWS if h.max_connections)
    # earlier connections in this lab run count too: open enough to cross the limit
    codes = []
    for _ in range(h.max_connections + 1):
        s = smtplib.SMTP(timeout=5)
        try:
            codes.append(s.connect(h.ip, h.port)[0])
        except smtplib.SMTPServerDisconnected:
            codes.append(421)
        finally:
            s.close()
    assert codes[-1] == 421


def _rows(pred: Callable[[SmtpHost], object]) -> list[SmtpHost]:
    rows = [h for _, h in SMTP_ROWS if pred(h)]
    assert rows, "no scenario declares this behaviour"
    return rows


def _after_starttls(
    h: SmtpHost, sni: str | None, context: ssl.SSLContext | None = None
) -> tuple[str, bytes | None] | ssl.SSLError | OSError | smtplib.SMTPException:
    """STARTTLS then a handshake: (cipher, leaf DER) of the session, or what it ended with."""
    p = Probe(h, sni, context or loose_context())
    try:
        sock = p.starttls()
        return sock.cipher()[0], sock.getpeercert(binary_form=True)  # type: ignore[index]
    except (ssl.SSLError, OSError, smtplib.SMTPException) as e:
        return e
    finally:
        p.close()


def test_smtp_behaviour_keys_are_checked(tmp_path: Path) -> None:
    head = 'domain = "x.lab.test"\n[[smtp]]\nhost = "mx.x.lab.test"\nip = "127.0.71.250"\n'
    tail = '[expect]\nmtasts = "none"\n'
    bad = {
        'greeting = "250 hello"': "greeting",
        'greeting = "220 mx ready"': "220-",  # the lab's own 220 line ends a 220 greeting
        'greeting = "554-a\\n421 b"': "greeting",  # one code per reply
        'greeting = "554 a\\n554 b"': "greeting",  # only the last line ends
        'ehlo_reply = "250 fine"': "ehlo_reply",
        'ciphers = "NO-SUCH-SUITE"': "ciphers",
        'tls_alert = "no_such_alert"': "tls_alert",
        "requre_sni = true": "unknown keys",
        "starttls = false\nrequire_sni = true": "starttls = true",
        'close_after_starttls = true\nstarttls_reply = "454 4.7.0 no"': "exclude",
    }
    f = tmp_path / "x.toml"
    for row, message in bad.items():
        f.write_text(head + row + "\n" + tail)
        with pytest.raises(ScenarioError, match=message):
            load_file(f)
    f.write_text(
        head
        + 'greeting = "554-5.7.1 no\\n554 5.7.1 go away"\ntls_alert = "Internal_Error"\n'
        + tail
    )
    h = load_file(f).smtp[0]
    assert (h.greeting, h.tls_alert, h.standard_dialogue) == (
        "554-5.7.1 no\n554 5.7.1 go away",
        "internal_error",
        False,
    )


def test_refusing_greetings_are_sent_as_declared(lab: Lab) -> None:
    for h in _rows(lambda h: h.greeting and not h.greeting.startswith("220")):
        assert h.greeting is not None
        with socket.create_connection((h.ip, h.port), timeout=10) as sock:
            f = sock.makefile("rb")
            lines = [f.readline().decode().rstrip("\r\n") for _ in h.greeting.split("\n")]
            assert "\n".join(lines) == h.greeting
            if h.greeting.startswith("4"):
                assert f.readline() == b""  # RFC 5321 §3.8: closed after the 421
                continue
            # RFC 5321 §3.1: after a 554 greeting, 503 to anything but QUIT
            sock.sendall(b"EHLO probe.lab.test\r\n")
            assert f.readline().startswith(b"503 ")
            sock.sendall(b"QUIT\r\n")
            assert f.readline().startswith(b"221 ")
            assert f.readline() == b""


def test_multiline_220_greeting_ends_with_the_host_line(lab: Lab) -> None:
    for h in _rows(lambda h: h.greeting and h.greeting.startswith("220")):
        assert h.greeting is not None
        p = Probe(h, h.host, loose_context())
        try:
            want = [line[4:] for line in h.greeting.split("\n")] + [f"{h.host} LabMTA ESMTP"]
            assert (p.code, p.banner.decode().split("\n")) == (220, want)
            assert p.offered
        finally:
            p.close()


def test_refused_ehlo_leaves_helo(lab: Lab) -> None:
    for h in _rows(lambda h: h.ehlo_reply):
        s = smtplib.SMTP(timeout=10)
        try:
            s.connect(h.ip, h.port)
            code, text = s.ehlo("probe.lab.test")
            assert f"{code} {text.decode()}" == h.ehlo_reply
            assert s.helo("probe.lab.test")[0] == 250
        finally:
            s.close()


def test_sni_required_hosts_alert_without_sni(lab: Lab) -> None:
    for h in _rows(lambda h: h.require_sni):
        with_sni = _after_starttls(h, h.host)
        assert isinstance(with_sni, tuple) and with_sni[1], with_sni
        without = _after_starttls(h, None)
        assert isinstance(without, ssl.SSLError) and "ALERT_HANDSHAKE_FAILURE" in str(
            without.reason
        ), without


def test_tls_alert_hosts_refuse_every_handshake_with_that_alert(lab: Lab) -> None:
    for h in _rows(lambda h: h.tls_alert):
        assert h.tls_alert is not None
        for sni in (h.host, None):
            got = _after_starttls(h, sni)
            assert isinstance(got, ssl.SSLError), got
            # OpenSSL names most alerts SSLV3_ALERT_* / TLSV1_ALERT_*, but unrecognized_name
            # (112) TLSV1_UNRECOGNIZED_NAME.
            alert = h.tls_alert.upper()
            assert str(got.reason).endswith(("ALERT_" + alert, "TLSV1_" + alert)), got


def test_close_after_starttls_hosts_hang_up_after_220(lab: Lab) -> None:
    for h in _rows(lambda h: h.close_after_starttls):
        p = Probe(h, h.host, loose_context())
        try:
            assert p.offered
            code, _ = p.smtp.docmd("STARTTLS")
            assert code == 220
            assert p.smtp.sock is not None
            p.smtp.sock.settimeout(10)
            assert p.smtp.sock.recv(1) == b""  # closed before any handshake
        finally:
            p.smtp.close()


def test_cipher_hosts_negotiate_only_their_suites(lab: Lab) -> None:
    for h in _rows(lambda h: h.ciphers):
        assert h.ciphers is not None
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.set_ciphers(h.ciphers)
        allowed = {c["name"] for c in server.get_ciphers() if c["protocol"] != "TLSv1.3"}
        # eNULL offered too: 'ALL' leaves it out, and s28s-nullonly's host takes nothing else.
        client = loose_context()
        client.set_ciphers("ALL:eNULL:@SECLEVEL=0")
        # The list governs TLS 1.2 and below; a host that also speaks TLS 1.3 (s30l-anontls13)
        # would otherwise answer with a TLS 1.3 suite, which no cipher list restricts.
        client.maximum_version = ssl.TLSVersion.TLSv1_2
        got = _after_starttls(h, h.host, client)
        assert isinstance(got, tuple), got
        name, leaf = got
        assert name in allowed, (name, allowed)
        # anonymous suites (aNULL) send no certificate at all
        auth = next(c for c in server.get_ciphers() if c["name"] == name)["auth"]
        assert (leaf is None) == (auth == "auth-null"), (name, auth)


def test_smtp_sink_accepts_mail_for_lab_test(lab: Lab) -> None:
    s = smtplib.SMTP(timeout=10)
    s.connect("127.0.62.2", 25)
    s._host = "smtp.lab.test"
    s.starttls(context=ssl.create_default_context(cafile=lab.ca_bundle))
    marker = f"lab-sink-{os.getpid()}-{time.time()}"
    s.sendmail("probe@lab.test", ["tlsrpt@f01.lab.test"], f"Subject: {marker}\r\n\r\nhello\r\n")
    s.quit()
    mails = [m for m in lab.mails() if marker.encode() in m["raw"]]
    assert mails and mails[0]["host"] == "smtp.lab.test" and mails[0]["tls"]


# ------------------------------------------------------------------ HTTPS hosts
class LabHTTPS(http.client.HTTPSConnection):
    """Connect to the lab address but speak TLS and HTTP for the real name."""

    def __init__(
        self, host: str, ip: str, ctx: ssl.SSLContext, sni: str | None = None, port: int = 443
    ) -> None:
        super().__init__(host, port, context=ctx, timeout=10)
        self.ip, self.sni = ip, sni or host

    def connect(self) -> None:
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.sni)


@pytest.mark.parametrize(("s", "w"), HTTPS_ROWS, ids=[w.host for _, w in HTTPS_ROWS])
def test_https_host_serves_exact_bytes(lab: Lab, s: Scenario, w: HttpsHost) -> None:
    # The vhost's own port: s30l-stsport8443's policy host listens on 8443 only.
    conn = LabHTTPS(w.host, w.ip, strict_context(lab), port=w.port)
    if should_verify(w.cert.kind, w.cert.chain, w.host, w.cert.sans, w.cert.validity):
        conn.connect()
    else:
        with pytest.raises(ssl.SSLCertVerificationError):
            conn.connect()
    conn.close()
    for f in w.files:
        if f.slow:
            # Waits, trickles or never ends on purpose (s33k): tests/test_lab_s33k.py reads
            # these, all at once.
            continue
        conn = LabHTTPS(w.host, w.ip, loose_context(), port=w.port)
        conn.request("GET", f.path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == f.status
        if f.content_type:
            assert resp.getheader("Content-Type") == f.content_type
        elif not any(k.lower() == "content-type" for k, _ in f.headers):
            # content_type = "": no media type at all (aiohttp's own default would name one).
            assert resp.getheader("Content-Type") is None
        for k in dict.fromkeys(k for k, _ in f.headers):
            # A header declared with several values is sent once per value, in order.
            assert resp.headers.get_all(k) == [v for n, v in f.headers if n == k]
        if f.generated == "vmc":
            vmc = x509.load_pem_x509_certificates(body)[0]
            names = vmc.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value.get_values_for_type(x509.DNSName)
            assert (s.domain in names) == (f.mark != "other-san")
        else:
            assert body == f.body


def test_request_log_records_each_vhost(lab: Lab) -> None:
    conn = LabHTTPS("mta-sts.f11.lab.test", "127.0.61.1", strict_context(lab))
    conn.request("GET", "/.well-known/mta-sts.txt")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 301
    assert resp.getheader("Location") == "https://www.f11.lab.test/.well-known/mta-sts.txt"
    assert lab.http_requests("mta-sts.f11.lab.test")
    assert all(r["host"] != "www.f11.lab.test" for r in lab.http_requests("mta-sts.f11.lab.test"))
    assert lab.tls_handshakes("mta-sts.f11.lab.test")


def test_report_receiver_keeps_posted_bytes(lab: Lab) -> None:
    payload = os.urandom(64)
    conn = LabHTTPS("rpt.lab.test", "127.0.62.1", ssl.create_default_context(cafile=lab.ca_bundle))
    conn.request(
        "POST", "/v1/tlsrpt", body=payload, headers={"Content-Type": "application/tlsrpt+gzip"}
    )
    assert conn.getresponse().status == 200
    got = [r for r in lab.reports() if r["body"] == payload]
    assert got and got[0]["headers"]["Content-Type"] == "application/tlsrpt+gzip"


def test_dead_ipv6_policy_host_has_nothing_listening(lab: Lab) -> None:
    r = query(lab, "mta-sts.f18.lab.test", "AAAA")
    assert r.answer and r.answer[0][0].address == "::1"
    with pytest.raises(OSError), socket.create_connection(("::1", 443), timeout=2):
        pass
