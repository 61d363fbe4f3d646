"""Blind round s18p: fetching and judging the MTA-STS policy over HTTPS in shapes no earlier set
listed.

Each scenario (tests/lab/scenarios/s18p_*.toml, MX hosts on 127.0.94.x, policy host
mta-sts.<domain> on 127.0.61.1) is a signed zone with two MX (MTA-STS enforce unless its title
says otherwise, TLS-RPT, SPF, DMARC, DANE-EE) and one delta on the policy host or its file: a
P-384 / RSA-2048 / 800-day / 6-hour leaf, a chain sent root first or with an unrelated
certificate, an mx line with a port or a path, 'mode: Enforce', 'format=flowed' in the media
type, a gzip Content-Encoding nobody asked for, a 301 to the same URL, a 203 status, mode testing
with no MX covered, an eleven-digit max_age. The expectations below and in the files' [expect]
tables were written from checklist §2b-§2d and RFC 8461 §3.2/§3.3, and committed before the
engine ran on them.

For each scenario: the statuses at fail and at warn are exactly the file's [expect] lists, no
check reads "could not check", and every row of EXPECT names a finding with that check id and
status whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import pytest

from checks.findings import DomainReport, Finding, Status
from tests.lab.scenarios import load_scenarios
from tests.test_engine_lab import describe, scenario_report

P, W, F = Status.PASS, Status.WARN, Status.FAIL


def _host(label: str) -> str:
    return f"mta-sts.s18p-{label}.lab.test"


# label -> [(check id, status, words the finding must contain)]
EXPECT: dict[str, list[tuple[str, Status, tuple[str, ...]]]] = {
    # Corrected after the blind run (harness): a correct policy passes as a whole under
    # MTASTS-20 ('well-formed: mode ..., max_age ..., N mx pattern(s)'); MTASTS-21 speaks only
    # when the version line is missing, wrong or not first (checklist §2c 21).
    "polp384": [("MTASTS-12", P, (_host("polp384"),)), ("MTASTS-20", P, ("well-formed",))],
    # Corrected after the blind run (harness): a correct policy passes as a whole under
    # MTASTS-20 ('well-formed: mode ..., max_age ..., N mx pattern(s)'); MTASTS-21 speaks only
    # when the version line is missing, wrong or not first (checklist §2c 21).
    "polrsa": [("MTASTS-12", P, (_host("polrsa"),)), ("MTASTS-20", P, ("well-formed",))],
    "pollong": [("MTASTS-12", P, (_host("pollong"),))],
    "polhours": [("MTASTS-12", P, (_host("polhours"),))],
    "polrootfirst": [("MTASTS-12", P, (_host("polrootfirst"),))],
    "polextra": [("MTASTS-12", P, (_host("polextra"),))],
    "mxport": [
        ("MTASTS-25", F, ("mx1.s18p-mxport.lab.test:25",)),
        ("MTASTS-30", W, ("mx1.s18p-mxport.lab.test",)),
    ],
    "mxpath": [
        ("MTASTS-25", F, ("mx2.s18p-mxpath.lab.test/",)),
        ("MTASTS-30", W, ("mx2.s18p-mxpath.lab.test",)),
    ],
    "modecase": [("MTASTS-22", F, ("Enforce",))],
    # Corrected after the blind run (harness): a correct policy passes as a whole under
    # MTASTS-20 ('well-formed: mode ..., max_age ..., N mx pattern(s)'); MTASTS-21 speaks only
    # when the version line is missing, wrong or not first (checklist §2c 21).
    "ctflowed": [("MTASTS-15", P, ("format=flowed",)), ("MTASTS-20", P, ("well-formed",))],
    # Corrected after the blind run (harness): a correct policy passes as a whole under
    # MTASTS-20 ('well-formed: mode ..., max_age ..., N mx pattern(s)'); MTASTS-21 speaks only
    # when the version line is missing, wrong or not first (checklist §2c 21).
    "gzip": [
        ("MTASTS-15", P, ()),
        ("MTASTS-20", P, ("well-formed", "2 mx pattern")),
        ("MTASTS-30", P, ()),
    ],
    "redirself": [("MTASTS-14", F, ("301",)), ("MTASTS-10", F, ())],
    "status203": [("MTASTS-14", F, ("203",)), ("MTASTS-10", F, ())],
    "testmiss": [
        ("MTASTS-30", W, ("mail.s18p-testmiss.lab.test",)),
        ("MTASTS-31", Status.INFO, ("mail.s18p-testmiss.lab.test",)),
        ("MTASTS-33", Status.INFO, ("testing",)),
    ],
    "maxage11": [("MTASTS-23", F, ("00000604800",))],
    # Second batch (the lab's framing knob), also written before the engine ran on them.
    "http10": [("MTASTS-14", P, ()), ("MTASTS-16", P, ()), ("MTASTS-20", P, ("well-formed",))],
    "chunked": [("MTASTS-14", P, ()), ("MTASTS-16", P, ()), ("MTASTS-20", P, ("well-formed",))],
    "gzipliar": [("MTASTS-14", F, ("gzip",)), ("MTASTS-10", F, ())],
    "http10big": [("MTASTS-16", F, ("65536",))],
}

SCENARIOS = {
    s.name.removeprefix("s18p-"): s for s in load_scenarios() if s.name.startswith("s18p-")
}


def test_every_s18p_scenario_has_expectations() -> None:
    assert set(SCENARIOS) == set(EXPECT)


def _text(f: Finding) -> str:
    return json.dumps(f.to_dict(), default=str).lower()


def _run(lab: Any, name: str) -> DomainReport:
    scenario = SCENARIOS[name]
    return scenario_report(lab, scenario)


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_s18p_scenario_reads_as_expected(lab: Any, name: str) -> None:
    scenario = SCENARIOS[name]
    report = _run(lab, name)
    assert not report.error, report.error
    found = {(f.id, f.status) for f in report.findings}
    assert {i for i, s in found if s == F} == scenario.expect_fail, describe(report)
    assert {i for i, s in found if s == W} == scenario.expect_warn, describe(report)
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert not errors, describe(report)
    assert scenario.present <= {i for i, _ in found}, describe(report)
    from tests.test_engine_lab import assert_rows

    assert_rows(report, EXPECT[name], _text)


@pytest.mark.lab
def test_s18p_policy_host_leaf_hours_left_is_not_called_expired(lab: Any) -> None:
    """6 hours left is 0 whole days: the MTASTS-12 pass must not read as an expired leaf."""
    report = _run(lab, "polhours")
    texts = [_text(f) for f in report.findings if f.id == "MTASTS-12"]
    assert texts and not any("expired" in t for t in texts), describe(report)


@pytest.mark.lab
def test_s18p_redirect_to_itself_is_not_followed(lab: Any) -> None:
    """RFC 8461 §3.3: a 3xx is not followed. A client that followed a 301 to the same URL would
    ask again and again; one fetch (and at most one retry) is all the lab may see."""
    from tests.test_engine_lab import run

    host = _host("redirself")
    before = len(lab.http_requests(host))
    # a check of its own, now: the shared report (scenario_report) was fetched before `before`
    run(lab, SCENARIOS["redirself"])
    seen = lab.http_requests(host)[before:]
    assert 1 <= len(seen) <= 2, seen


def _raw_fetch(lab: Any, host: str) -> bytes:
    """The policy URL's answer as bytes on the wire (status line, headers, body)."""
    context = ssl.create_default_context(cafile=lab.ca_bundle)
    with (
        socket.create_connection(("127.0.61.1", 443), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(
            f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    return data


@pytest.mark.lab
def test_s18p_lab_frames_as_declared(lab: Any) -> None:
    """The framing knob: http10-close answers HTTP/1.0 without Content-Length, chunked uses
    the chunked coding; the default carries a Content-Length."""
    head = _raw_fetch(lab, _host("http10")).split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.0 200"), head
    assert b"content-length" not in head and b"transfer-encoding" not in head, head
    head = _raw_fetch(lab, _host("chunked")).split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and b"transfer-encoding: chunked" in head, head
    assert b"content-length" not in head, head
    head = _raw_fetch(lab, _host("ctflowed")).split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-length: " in head, head
