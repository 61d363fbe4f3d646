"""Reports in the shapes real senders write, generated rather than listed (checklist §12,
RFC 8460 §4), and adversarial ones: every one is parsed or rejected, the whole-document and
streamed readers agree on it, and a report parsedmarc accepts that RFC 8460 allows is
accepted with the same counts.

Shapes (checklist §12.1 and the issues it cites): Google (mx-host array, no failure-details
when none, 23:59:59Z), Microsoft (no policy-string or mx-host, sts-policy-fetch-error details
without addresses, report-id "<digits>+<domain>"), Yahoo and mail.ru (end at the next
00:00:00Z), Comcast (fractions of seconds, `"mx-host": []`), Zoho (a local day with an offset),
Proton (`+00:00`, `mx-host-pattern`), and sys4's tlsrpt-reporter, whose own code renders them.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import gzip
import ipaddress
import json
import sqlite3
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import parsedmarc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tlsrpt_reporter import mapping, tlsrpt

import reports.parse
from reports.parse import RESULT_TYPES, ReportRejected, parse_report

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def _streamed() -> Iterator[None]:
    """Force the streamed reader (hypothesis runs many examples in one test function, so the
    function-scoped monkeypatch fixture does not fit)."""
    old = reports.parse.SMALL_REPORT_BYTES
    reports.parse.SMALL_REPORT_BYTES = 0
    try:
        yield
    finally:
        reports.parse.SMALL_REPORT_BYTES = old


def _outcome(data: bytes, report_domain: str | None) -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain=report_domain))
    except ReportRejected as e:
        return "rejected", e.reason


def _both(data: bytes, report_domain: str | None = None) -> tuple[str, Any]:
    whole = _outcome(data, report_domain)
    with _streamed():
        streamed = _outcome(data, report_domain)
    assert streamed == whole
    return whole


def _counts(policies: list[dict[str, Any]]) -> list[tuple[int, int, list[int]]]:
    return [
        (p["successful"], p["failed"], [d["failed_session_count"] for d in p["failure_details"]])
        for p in policies
    ]


def _parsedmarc_counts(raw: bytes) -> list[tuple[int, int, list[int]]] | None:
    try:
        theirs = parsedmarc.parse_smtp_tls_report_json(raw)
    except parsedmarc.InvalidSMTPTLSReport:
        return None
    return [
        (
            p["successful_session_count"],
            p["failed_session_count"],
            [d["failed_session_count"] for d in p.get("failure_details", [])],
        )
        for p in theirs["policies"]
    ]


# --- Strategies --------------------------------------------------------------------------

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domains = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "example", "xn--p1ai", "de"]),
)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).filter(lambda a: a.ipv4_mapped is None).map(str)
counts = st.integers(min_value=0, max_value=2**40)
days = st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2030, 12, 31))

# (start, end) of one UTC day as each sender writes it; all RFC 3339 and one day (§4.1).
DATE_STYLES = {
    "google": lambda d, n: (f"{d}T00:00:00Z", f"{d}T23:59:59Z"),
    "microsoft": lambda d, n: (f"{d}T00:00:00Z", f"{d}T23:59:59Z"),
    "yahoo": lambda d, n: (f"{d}T00:00:00Z", f"{n}T00:00:00Z"),
    "mailru": lambda d, n: (f"{d}T00:00:00Z", f"{n}T00:00:00Z"),
    "comcast": lambda d, n: (f"{d}T00:00:00.000Z", f"{d}T23:59:59.999Z"),
    "zoho": lambda d, n: (f"{d}t00:00:00+05:30", f"{d}t23:59:59+05:30"),
    "proton": lambda d, n: (f"{d}T00:00:00+00:00", f"{n}T00:00:00-00:00"),
}
ORGS = {
    "google": ("Google Inc.", "smtp-tls-reporting@google.com"),
    "microsoft": ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com"),
    "yahoo": ("Yahoo", "tlsrpt@yahooinc.com"),
    "mailru": ("Mail.Ru", "tlsrpt-noreply@corp.mail.ru"),
    "comcast": ("Comcast", "tlsrpt@comcast.net"),
    "zoho": ("Zoho Corporation", "mailto:tlsrpt@zohocorp.com"),
    "proton": ("Proton AG", "tlsrpt@proton.me"),
}


@st.composite
def details(draw: st.DrawFn, style: str, domain: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "result-type": draw(st.sampled_from(sorted(RESULT_TYPES))),
        "failed-session-count": draw(st.integers(min_value=1, max_value=10**6)),
    }
    if style == "microsoft" and detail["result-type"].startswith("sts-"):
        return detail  # cry-inc #57: no addresses for a policy fetch error
    optional = {
        "sending-mta-ip": st.one_of(ipv4, ipv6),
        "receiving-mx-hostname": st.sampled_from([f"mx1.{domain}", f"MX2.{domain.upper()}."]),
        "receiving-mx-helo": st.just(f"mx1.{domain}"),
        "receiving-ip": st.one_of(ipv4, ipv6),
        "additional-information": st.just(f"https://tlsrpt.{domain}/why#1"),
        "failure-reason-code": st.sampled_from(["X509_V_ERR_CERT_HAS_EXPIRED", "Timeout", ""]),
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            detail[key] = draw(values)
    return detail


@st.composite
def policies(draw: st.DrawFn, style: str, domain: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["sts", "tlsa", "no-policy-found"]))
    policy: dict[str, Any] = {"policy-type": kind, "policy-domain": domain}
    if kind == "sts":
        if style not in ("microsoft", "mailru"):
            policy["policy-string"] = ["version: STSv1", "mode: enforce", f"mx: mx1.{domain}"]
        mx = {"google": [f"mx1.{domain}", f"*.{domain}"], "yahoo": [f"mx1.{domain}"]}
        mx |= {"comcast": [], "zoho": f"mx1.{domain}"}
        if style in mx:
            policy["mx-host"] = mx[style]
        elif style == "proton":
            policy["mx-host-pattern"] = [f"mx1.{domain}"]
    elif kind == "tlsa":
        policy["policy-domain"] = f"mx1.{domain}"  # the TLSA base domain, RFC 8460 §1.1
        policy["policy-string"] = [f"3 1 1 {draw(st.binary(min_size=32, max_size=32)).hex()}"]
    failed = draw(st.sampled_from([0, 0, draw(counts)]))
    entry: dict[str, Any] = {
        "policy": policy,
        "summary": {
            "total-successful-session-count": draw(counts),
            "total-failure-session-count": failed,
        },
    }
    if failed:
        entry["failure-details"] = draw(st.lists(details(style, domain), min_size=1, max_size=5))
    elif style != "google" and draw(st.booleans()):
        entry["failure-details"] = []
    return entry


@st.composite
def sender_reports(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    style = draw(st.sampled_from(sorted(ORGS)))
    domain = draw(domains)
    day = draw(days)
    start, end = DATE_STYLES[style](day.isoformat(), (day + datetime.timedelta(days=1)))
    org, contact = ORGS[style]
    report_id = {
        "google": f"{start}_{domain}",
        "microsoft": f"{draw(st.integers(10**17, 10**18))}+{domain}",
    }.get(style, f"{draw(st.uuids())}@{contact.split('@')[1]}")
    return {
        "organization-name": org,
        "date-range": {"start-datetime": start, "end-datetime": end},
        "contact-info": contact,
        "report-id": report_id,
        "policies": draw(st.lists(policies(style, domain), min_size=1, max_size=4)),
    }, domain


# --- Real senders' shapes ----------------------------------------------------------------


@SETTINGS
@given(sender_reports(), st.sampled_from([None, 2]), st.booleans())
def test_every_real_senders_shape_is_read_as_sent(
    generated: tuple[dict[str, Any], str], indent: int | None, compressed: bool
) -> None:
    report, domain = generated
    raw = json.dumps(report, indent=indent).encode()
    status, parsed = _both(gzip.compress(raw) if compressed else raw)
    assert status == "parsed", parsed
    # Nothing here breaks a rule of RFC 8460: no warning (notes may say what was absent).
    assert parsed["warnings"] == []
    assert parsed["report_id"] == report["report-id"]
    sent = [
        (
            p["summary"]["total-successful-session-count"],
            p["summary"]["total-failure-session-count"],
            [d["failed-session-count"] for d in p.get("failure-details", [])],
        )
        for p in report["policies"]
    ]
    assert _counts(parsed["policies"]) == sent
    theirs = _parsedmarc_counts(raw)
    if theirs is not None:
        assert _counts(parsed["policies"]) == theirs
    # Every address is kept, in its RFC 5952 form.
    for p_sent, p_read in zip(report["policies"], parsed["policies"], strict=True):
        for d_sent, d_read in zip(
            p_sent.get("failure-details", []), p_read["failure_details"], strict=True
        ):
            for key, field in (
                ("sending-mta-ip", "sending_mta_ip"),
                ("receiving-ip", "receiving_ip"),
            ):
                if key in d_sent:
                    assert d_read[field] == rfc5952(d_sent[key])


# RFC 5952 §5: the IPv6 prefixes whose last 32 bits are written as a dotted IPv4 address
# (IPv4-translated, RFC 2765; NAT64's well-known prefix, RFC 6052 §2.1); str() writes hex.
DOTTED_PREFIXES = {
    bytes(8) + b"\xff\xff" + bytes(2): "::ffff:0:",
    b"\x00\x64\xff\x9b" + bytes(8): "64:ff9b::",
}


def rfc5952(text: str) -> str:
    address = ipaddress.ip_address(text)
    prefix = DOTTED_PREFIXES.get(address.packed[:12]) if address.version == 6 else None
    if prefix is None:
        return str(address)
    return prefix + str(ipaddress.IPv4Address(address.packed[12:]))


@SETTINGS
@given(sender_reports())
def test_a_real_report_is_counted_on_its_utc_day(generated: tuple[dict[str, Any], str]) -> None:
    """RFC 8460 §4.1: one UTC day, whichever end convention or offset the sender uses."""
    report, _ = generated
    parsed = parse_report(json.dumps(report).encode())
    start = report["date-range"]["start-datetime"]
    assert parsed.day.isoformat() == start[:10]


# --- sys4's tlsrpt-reporter, its own code rendering the report ----------------------------

POLICY_TYPE = {"tlsa": 1, "sts": 2, "no-policy-found": 9}  # tlsrpt-reporter's codes
RESULT_CODE = {
    "starttls-not-supported": 201,
    "certificate-host-mismatch": 202,
    "certificate-not-trusted": 203,
    "certificate-expired": 204,
    "validation-failure": 205,
    "sts-policy-fetch-error": 301,
    "sts-policy-invalid": 302,
    "sts-webpki-invalid": 303,
    "tlsa-invalid": 304,
    "dnssec-invalid": 305,
    "dane-required": 306,
}


def _reportd_render(day: str, domain: str, data: dict[str, Any]) -> bytes:
    """The report tlsrpt-reportd builds from a day's collected data (its create_report_for,
    unmodified), without its daemon, configuration or delivery."""
    reportd = object.__new__(tlsrpt.TLSRPTReportd)
    reportd.con = sqlite3.connect(":memory:")
    for statement in reportd._ddl():
        reportd.con.execute(statement)
    reportd.cfg = types.SimpleNamespace(
        organization_name="smallhost.example", contact_info="postmaster@smallhost.example"
    )
    reportd.destination_map = mapping.DestinationMap()
    reportd.schedule_report_delivery = lambda: datetime.datetime(2026, 1, 1)
    reportd.con.execute(
        "INSERT INTO reportdata (day, domain, data, fetcher, fetcherindex, status)"
        " VALUES (?, ?, ?, 'f', 0, 'fetched')",
        (day, domain, json.dumps({f"v=TLSRPTv1; rua=mailto:r@{domain}": data})),
    )
    reportd.create_report_for(day, domain)
    ((report,),) = reportd.con.execute("SELECT report FROM reports").fetchall()
    return str(report).encode()


@st.composite
def reportd_data(draw: st.DrawFn, domain: str) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """Collected data as tlsrpt-collectd stores it: per policy, sessions and failures."""
    data: dict[str, Any] = {}
    expected: list[tuple[int, int]] = []
    for kind in draw(st.lists(st.sampled_from(sorted(POLICY_TYPE)), min_size=1, max_size=3)):
        policy: dict[str, Any] = {"policy-type": POLICY_TYPE[kind]}
        # sys4/tlsrpt-reporter #51: no policy-domain for no-policy-found.
        if kind != "no-policy-found" or draw(st.booleans()):
            policy["policy-domain"] = f"mx1.{domain}" if kind == "tlsa" else domain
        if kind == "sts":
            policy["policy-string"] = ["version: STSv1", "mode: testing", f"mx: mx1.{domain}"]
            policy["mx-host"] = [f"mx1.{domain}"]
        failures: dict[str, int] = {}
        for result in draw(st.lists(st.sampled_from(sorted(RESULT_CODE)), max_size=4)):
            failure = {"c": RESULT_CODE[result], "n": f"mx1.{domain}"}
            failure["s"] = draw(st.one_of(ipv4, ipv6))
            failure["r"] = draw(st.one_of(ipv4, ipv6))
            failures[json.dumps(failure)] = draw(st.integers(1, 1000))
        failed = sum(failures.values())
        total = failed + draw(st.integers(0, 10**6))
        key = json.dumps(policy)
        if key in data:
            continue
        data[key] = {"cntrtotal": total, "cntrfailure": failed, "failures": failures}
        expected.append((total - failed, failed))
    return data, expected


@SETTINGS
@given(st.data(), domains, days)
def test_tlsrpt_reporter_reports_are_read_with_their_counts(
    data: st.DataObject, domain: str, day: datetime.date
) -> None:
    collected, expected = data.draw(reportd_data(domain))
    raw = _reportd_render(day.isoformat(), domain, collected)
    status, parsed = _both(gzip.compress(raw), domain)
    assert status == "parsed", parsed
    assert [(p["successful"], p["failed"]) for p in parsed["policies"]] == expected
    # Its one deviation (M28): the policy domain of no-policy-found comes from the envelope.
    for warning in parsed["warnings"]:
        assert f"policy-domain is missing (RFC 8460 §4.4); using {domain}" in warning
    assert {p["policy_domain"] for p in parsed["policies"]} <= {domain, f"mx1.{domain}"}
    for policy in parsed["policies"]:
        assert policy["failed"] == sum(d["failed_session_count"] for d in policy["failure_details"])
    assert parsed["start"].isoformat() == f"{day}T00:00:00+00:00"


# --- Adversarial: both readers, one outcome ----------------------------------------------

SAMPLE = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())
WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "17",
            "\x00",
            "\ud800",
            "\u0669.0.2.1",
            "::ffff:192.0.2.1",
            "fe80::1%eth0",
            "2026-06-01T00:00:00.5-00:00",
            "2026-06-01 00:00:00",
            "x" * 3000,
        ]
    ),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if at:
        yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*at, i))


@st.composite
def mutated_reports(draw: st.DrawFn) -> bytes:
    report = copy.deepcopy(SAMPLE)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(report))
        path = draw(st.sampled_from(paths))
        parent = report
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent[path[-1]] = draw(WEIRD)
        elif isinstance(parent, dict):
            del parent[path[-1]]
    text = json.dumps(report, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    edit = draw(st.sampled_from(["none", "cut", "insert", "duplicate", "bom"]))
    at = draw(st.integers(0, len(text)))
    if edit == "cut":
        text = text[:at]
    elif edit == "insert":
        junk = draw(st.sampled_from([b"{", b"]", b",", b":", b'"', b"\xc3", b" x"]))
        text = text[:at] + junk + text[at:]
    elif edit == "duplicate":
        text = text.replace(b'"report-id"', b'"report-id": "a", "report-id"', 1)
    elif edit == "bom":
        text = b"\xef\xbb\xbf" + text
    return gzip.compress(text) if draw(st.booleans()) else text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_reports(), st.sampled_from([None, "example.com"]))
def test_whole_and_streamed_readers_agree_on_broken_reports(
    data: bytes, report_domain: str | None
) -> None:
    status, _ = _both(data, report_domain)
    assert status in ("parsed", "rejected")
