# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""A blind round of TLS-RPT reports (checklist §12, RFC 8460 §4, §5.3, §5.4) through every door
a report comes in by: both parse readers, the HTTPS intake, `manage.py ingest_email` and the
SMTP listener.

The expected outcomes are in tests/data/tlsrpt/s12_blind_expectations.json, written and
committed before any of these inputs was run; a case whose expectation was later found wrong
says so there (`corrected`). Each accepted input must leave its raw row (nothing lost) and no
report may be counted twice.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import io
import json
import quopri
import smtplib
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dkim
import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

import reports.parse
from reports import conf
from reports.mail import FROM_ADDRESS, said_from, said_from_filename
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport, ReportRejected, parse_report
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SIGNED_HEADERS,
    _free_port,
    address,
    dns_stub,
    eager,
    ingest,
    sign,
    signer,
)
from tests.test_reports_mail_s8_forwarded import forwarded

DATA = Path(__file__).parent / "data" / "tlsrpt"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s12_blind_expectations.json").read_text())["cases"]
}
GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"


def ids(door: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] == door]


# --- The report bodies (door "body"), as each sender writes them ------------------------------


def google() -> dict[str, Any]:
    return {
        "organization-name": "Google Inc.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "2026-06-01T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": [
                        "version: STSv1",
                        "mode: testing",
                        "mx: mx1.example.com",
                        "max_age: 86400",
                    ],
                    "policy-domain": "example.com",
                    "mx-host": ["mx1.example.com"],
                },
                "summary": {
                    "total-successful-session-count": 120,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }


def with_detail(report: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = detail["failed-session-count"]
    policy["failure-details"] = [detail]
    return report


def edit(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    report = google()
    change(report)
    return report


def _policy(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["policy"]


def _summary(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["summary"]


def microsoft() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Microsoft Corporation"
    r["report-id"] = "133715927483468703+example.com"
    del _policy(r)["policy-string"], _policy(r)["mx-host"]
    return with_detail(r, {"result-type": "sts-policy-fetch-error", "failed-session-count": 3})


def mailru() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Mail.Ru"
    r["date-range"]["end-datetime"] = "2026-06-02T00:00:00Z"
    del _policy(r)["policy-string"]
    _summary(r)["total-failure-session-count"] = 1
    detail = {
        "result-type": "certificate-expired",
        "sending-mta-ip": "192.0.2.10",
        "receiving-mx-hostname": "mx1.example.com",
        "failed-session-count": 1,
    }
    r["policies"][0]["failure-details"] = [
        detail,
        {**detail, "result-type": "certificate-host-mismatch"},
    ]
    return r


def yandex() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Yandex LLC"
    _policy(r).update({"policy-type": "no-policy-found"})
    del _policy(r)["policy-string"], _policy(r)["mx-host"]
    return r


def postfix() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "mail.sender.example"
    r["policies"][0] = {
        "policy": {"policy-type": "no-policy-found"},
        "summary": {"total-successful-session-count": 4, "total-failure-session-count": 0},
        "failure-details": [],
    }
    return r


def tlsa(strings: bool = True) -> dict[str, Any]:
    r = google()
    policy: dict[str, Any] = {"policy-type": "tlsa", "policy-domain": "mx1.example.com"}
    if strings:
        policy["policy-string"] = ["3 1 1 " + "ab" * 32]
    r["policies"][0]["policy"] = policy
    return r


def count(value: Any) -> dict[str, Any]:
    return edit(lambda r: _summary(r).update({"total-successful-session-count": value}))


def detail_of(**fields: Any) -> dict[str, Any]:
    base = {
        "result-type": "certificate-not-trusted",
        "sending-mta-ip": "192.0.2.10",
        "receiving-mx-hostname": "mx1.example.com",
        "receiving-ip": "198.51.100.25",
        "failed-session-count": 2,
    }
    return with_detail(google(), {**base, **fields})


def extra_members() -> dict[str, Any]:
    r = detail_of(**{"x-vendor": {"a": [1, 2]}})
    r["x-generator"] = "mta 1.2"
    _policy(r)["x-note"] = None
    _summary(r)["total-deferred-session-count"] = 5
    r["policies"][0]["x-policy-id"] = "abc"
    return r


def null_policy() -> dict[str, Any]:
    r = google()
    r["policies"].insert(0, None)
    return r


def raw_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2).encode()


BODIES: dict[str, Callable[[], bytes]] = {
    "B01": lambda: raw_json(google()),
    "B02": lambda: raw_json(microsoft()),
    "B03": lambda: raw_json(
        edit(lambda r: r["date-range"].update({"end-datetime": "2026-06-02T00:00:00Z"}))
    ),
    "B04": lambda: raw_json(
        edit(
            lambda r: (
                r["date-range"].update(
                    {
                        "start-datetime": "2026-06-01T00:00:00.000Z",
                        "end-datetime": "2026-06-01T23:59:59.999Z",
                    }
                ),
                _policy(r).update({"mx-host": []}),
            )
        )
    ),
    "B05": lambda: raw_json(mailru()),
    "B06": lambda: raw_json(yandex()),
    "B07": lambda: raw_json(
        edit(
            lambda r: r["date-range"].update(
                {
                    "start-datetime": "2026-06-01T00:00:00+02:00",
                    "end-datetime": "2026-06-01T23:59:59+02:00",
                }
            )
        )
    ),
    "B08": lambda: raw_json(postfix()),
    "B09": lambda: raw_json(tlsa()),
    "B10": lambda: raw_json(tlsa(strings=False)),
    "B11": lambda: raw_json(count(0)),
    "B12": lambda: raw_json(count(2**53)),
    "B13": lambda: raw_json(count(2**53 - 1)),
    "B14": lambda: raw_json(google()).replace(
        b'"total-successful-session-count": 120', b'"total-successful-session-count": 1.0'
    ),
    "B15": lambda: raw_json(count("12")),
    "B16": lambda: raw_json(count(-1)),
    "B17": lambda: raw_json(google()).replace(
        b'"total-successful-session-count": 120', b'"total-successful-session-count": 1e3'
    ),
    "B18": lambda: raw_json(
        edit(lambda r: r["date-range"].update({"end-datetime": "2026-05-31T23:59:59Z"}))
    ),
    "B19": lambda: raw_json(
        edit(
            lambda r: r["date-range"].update(
                {
                    "start-datetime": "2026-06-01t00:00:00z",
                    "end-datetime": "2026-06-01t23:59:59z",
                }
            )
        )
    ),
    "B20": lambda: raw_json(
        edit(
            lambda r: r["date-range"].update(
                {
                    "start-datetime": "2026-06-30T00:00:00Z",
                    "end-datetime": "2026-06-30T23:59:60Z",
                }
            )
        )
    ),
    "B21": lambda: raw_json(
        edit(lambda r: r.update({"report-id": "<2026-06-01 r1@sender.example>"}))
    ),
    "B22": lambda: raw_json(edit(lambda r: r.pop("contact-info"))),
    "B23": lambda: raw_json(extra_members()),
    "B24": lambda: raw_json(
        with_detail(google(), {"result-type": "starttls-not-supported", "failed-session-count": 4})
    ),
    "B25": lambda: raw_json(
        detail_of(**{"additional-information": "https://reports.sender.example/x?id=1#a"})
    ),
    "B26": lambda: raw_json(detail_of(**{"sending-mta-ip": "fe80::1%eth0"})),
    "B27": lambda: raw_json(detail_of(**{"sending-mta-ip": "2001:DB8::A"})),
    "B28": lambda: raw_json(detail_of(**{"sending-mta-ip": ""})),
    "B29": lambda: raw_json(null_policy()),
    "B30": lambda: raw_json(edit(lambda r: r.update({"policies": []}))),
    "B31": lambda: raw_json(edit(lambda r: r.update({"report-id": 20260601}))),
    "B32": lambda: raw_json(edit(lambda r: _policy(r).update({"policy-type": "STS"}))),
    "B33": lambda: raw_json(
        edit(
            lambda r: r["date-range"].update(
                {
                    "start-datetime": "2026-06-01T00:00:00+0000",
                    "end-datetime": "2026-06-01T23:59:59+0000",
                }
            )
        )
    ),
    "B34": lambda: raw_json(detail_of(**{"failed-session-count": "3"})),
    "B35": lambda: raw_json(edit(lambda r: r["policies"].append(tlsa()["policies"][0]))),
    "B36": lambda: raw_json(
        edit(lambda r: r["policies"].insert(0, {"summary": _summary(google())}))
    ),
    "B37": lambda: raw_json(detail_of(**{"result-type": "CERTIFICATE-EXPIRED"})),
    "B38": lambda: raw_json(detail_of(**{"additional-information": {"url": "https://x"}})),
    "B39": lambda: raw_json(detail_of(**{"receiving-ip": "::ffff:192.0.2.1"})),
    "B40": lambda: raw_json(google()).replace(
        b'"total-successful-session-count": 120', b'"total-successful-session-count": NaN'
    ),
    "B41": lambda: raw_json(edit(lambda r: r.update({"organization-name": "  Google Inc. "}))),
    "B42": lambda: b"\n" * 100 + raw_json(google()),
}


def outcome(data: bytes) -> tuple[str, Any]:
    try:
        return "parsed", parse_report(data, report_domain="example.com")
    except ReportRejected as e:
        return "rejected", e.reason


def _plain(result: Any) -> Any:
    return dataclasses.asdict(result) if isinstance(result, ParsedReport) else result


def both_readers(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """The whole-document and the streamed reader must say the same thing."""
    whole = outcome(data)
    with monkeypatch.context() as m:
        m.setattr(reports.parse, "SMALL_REPORT_BYTES", 0)
        streamed = outcome(data)
    assert (streamed[0], _plain(streamed[1])) == (whole[0], _plain(whole[1]))
    return whole


def check_parsed(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """The expectations a parsed report (parser result or stored row) must meet."""
    warnings, notes = list(report.warnings), list(report.notes)
    if case.get("clean"):
        assert warnings == [], warnings
    if "warning" in case:
        assert any(case["warning"] in w for w in warnings), warnings
    if "note" in case:
        assert any(case["note"] in n for n in notes), notes
    if isinstance(report, ParsedReport):
        policies = report.policies
        if "policies" in case:
            assert len(policies) == case["policies"]
        if "successful" in case:
            assert report.total_successful == case["successful"]
        if "day" in case:
            assert str(report.day) == case["day"]
        if "report_id" in case:
            assert report.report_id == case["report_id"]
        if "policy_domain" in case:
            assert policies[0].policy_domain == case["policy_domain"]
        if "sending_ip" in case:
            assert policies[0].failure_details[0].sending_mta_ip == case["sending_ip"]


def check_raw(case: dict[str, Any], raw: RawReport) -> None:
    expected = {
        "parsed": RawReport.PARSED,
        "rejected": RawReport.REJECTED,
        "duplicate": RawReport.DUPLICATE,
    }[case["outcome"]]
    assert raw.parse_status == expected, raw.error
    if case["outcome"] == "parsed":
        assert raw.report is not None
        check_parsed(case, raw.report)
    if case["outcome"] == "rejected":
        assert case["reason"] in raw.error
        assert raw.report is None


def nothing_lost_nor_doubled() -> None:
    """Every raw row ended (none pending), every parsed or duplicate row points at a stored
    report, and no report is stored twice for one (address, submitter, report-id): two
    under one are of other days whose ranges do not overlap (s35i, a report-id reused)."""
    assert not RawReport.objects.filter(parse_status=RawReport.PENDING).exists()
    for raw in RawReport.objects.filter(parse_status__in=[RawReport.PARSED, RawReport.DUPLICATE]):
        assert raw.report_id is not None, raw
    twice = (
        TlsReport.objects.values("address", "submitter", "report_id", "day")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    for a in TlsReport.objects.all():
        overlapping = TlsReport.objects.filter(
            address=a.address_id, submitter=a.submitter, report_id=a.report_id
        ).filter(start__lt=a.end, end__gt=a.start)
        assert not overlapping.exclude(pk=a.pk).exists(), a
    for report in TlsReport.objects.all():
        assert report.raw_reports.exists(), report


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_reads_alike_through_both_readers(case_id, monkeypatch) -> None:
    case = CASES[case_id]
    data = BODIES[case_id]()
    status, result = both_readers(data, monkeypatch)
    assert status == case["outcome"], result
    if status == "parsed":
        check_parsed(case, result)
    else:
        assert case["reason"] in result
    # gzip (the usual delivery) reads the same as plain JSON.
    assert both_readers(gzip.compress(data), monkeypatch)[0] == status


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_posted_over_https_is_kept_and_ends_as_expected(
    case_id, client: Client, address: ReportAddress, eager, monkeypatch
) -> None:
    case = CASES[case_id]
    data = BODIES[case_id]()
    response = client.post(f"/tlsrpt/{address.token}", data=gzip.compress(data), content_type=GZ)
    assert response.status_code == 201, response.content
    raw = RawReport.objects.get()
    check_raw(case, raw)
    if case["outcome"] == "parsed":
        # What was stored is what the parser says (no intake warnings for a +gzip POST),
        # a domain filled in said to be the report address's (no envelope: s48g).
        _, parsed = outcome(data)
        assert raw.report.warnings == said_from(parsed.warnings, "example.com", FROM_ADDRESS)
    nothing_lost_nor_doubled()


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_mailed_signed_ends_as_over_https(
    case_id, address: ReportAddress, signer, eager
) -> None:
    case = CASES[case_id]
    data = BODIES[case_id]()
    message = sign(multipart(address, [part(GZ, gzip.compress(data), filename=FILENAME)]), signer)
    assert ingest(message) == 0
    raw = RawReport.objects.get()
    check_raw(case, raw)
    nothing_lost_nor_doubled()


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_imported_from_a_file_ends_as_over_https(
    case_id, client: Client, address: ReportAddress, eager, tmp_path
) -> None:
    """I01: manage.py ingest_files stores and parses in batches (reports.ingest), not through
    the parse task: the outcome, the warnings and the figures must be the same. One known
    difference (task s45i): a file has a name, a POST none; a policy-domain left out takes
    the domain of the file's RFC 8460 §5.1 name, and its warning names the file."""
    data = gzip.compress(BODIES[case_id]())
    (tmp_path / FILENAME).write_bytes(data)
    call_command(
        "ingest_files", "--address", address.token, str(tmp_path / FILENAME), stdout=io.StringIO()
    )
    imported = RawReport.objects.get()
    check_raw(CASES[case_id], imported)
    other = ReportAddress.objects.create(domain_name="example.com")
    assert client.post(f"/tlsrpt/{other.token}", data=data, content_type=GZ).status_code == 201
    posted = RawReport.objects.get(address=other)
    assert (imported.parse_status, imported.error) == (posted.parse_status, posted.error)
    if posted.report is not None:
        fields = ("warnings", "notes", "day", "policy_domain", "total_successful", "total_failed")
        expected = [getattr(posted.report, f) for f in fields]
        # The POST's domain is the report address's, the import's its file name's (s48g).
        posted_words = [w.replace(FROM_ADDRESS, "from the envelope") for w in expected[0]]
        expected[0] = said_from_filename(posted_words, "example.com", FILENAME)
        assert [getattr(imported.report, f) for f in fields] == expected
    nothing_lost_nor_doubled()


# --- HTTPS (door "https") ---------------------------------------------------------------------


def _post(client: Client, token: str, body: bytes, content_type: str | None = GZ, **extra: Any):
    """POST `body` as it is. client.post would re-encode it into a charset the Content-Type
    names (a gzip body with "; charset=iso-8859-1" failed in the test client, before the
    product saw it); generic() sends bytes unchanged."""
    if content_type is None:
        return client.generic("POST", f"/tlsrpt/{token}", body, **extra)
    return client.generic("POST", f"/tlsrpt/{token}", body, content_type=content_type, **extra)


def _zip(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


GOOGLE = raw_json(google())


def _revoked(client: Client, address: ReportAddress, settings: Any):
    gone = ReportAddress.objects.create(domain_name="gone.example")
    token = gone.token
    gone.delete()
    return _post(client, token, gzip.compress(GOOGLE))


def _at_cap(over: int) -> Callable[..., Any]:
    def send(client: Client, address: ReportAddress, settings: Any):
        body = gzip.compress(GOOGLE)
        settings.TLSRPT_MAX_BODY_BYTES = len(body) - over
        return _post(client, address.token, body)

    return send


def _resend(client: Client, address: ReportAddress, settings: Any):
    first = _post(client, address.token, gzip.compress(GOOGLE, mtime=1))
    assert first.status_code == 201
    return _post(client, address.token, gzip.compress(GOOGLE, mtime=2))


def _twice(client: Client, address: ReportAddress, settings: Any):
    body = gzip.compress(GOOGLE)
    assert _post(client, address.token, body).status_code == 201
    return _post(client, address.token, body)


DMARC = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>google.com'
    b"</org_name></report_metadata></feedback>\n"
)


def _other_case_resend(client: Client, address: ReportAddress, settings: Any):
    assert _post(client, address.token, gzip.compress(GOOGLE)).status_code == 201
    shouted = raw_json(edit(lambda r: r.update({"organization-name": "GOOGLE INC."})))
    return _post(client, address.token, gzip.compress(shouted))


HTTPS: dict[str, Callable[[Client, ReportAddress, Any], Any]] = {
    "H01": lambda c, a, s: _post(c, a.token, GOOGLE, "application/tlsrpt+json; charset=utf-8"),
    "H02": lambda c, a, s: _post(c, a.token, gzip.compress(GOOGLE), "Application/TLSRPT+GZIP"),
    "H03": lambda c, a, s: _post(
        c, a.token, gzip.compress(GOOGLE), JS, HTTP_CONTENT_ENCODING="gzip"
    ),
    "H04": lambda c, a, s: _post(
        c, a.token, gzip.compress(gzip.compress(GOOGLE)), GZ, HTTP_CONTENT_ENCODING="gzip"
    ),
    "H05": lambda c, a, s: _post(c, "0123456789abcdef0123", gzip.compress(GOOGLE)),
    "H06": _revoked,
    "H07": lambda c, a, s: c.head(f"/tlsrpt/{a.token}"),
    "H08": lambda c, a, s: c.get(f"/tlsrpt/{a.token}"),
    "H09": lambda c, a, s: c.options(f"/tlsrpt/{a.token}"),
    "H10": _at_cap(0),
    "H11": _at_cap(1),
    "H12": lambda c, a, s: _post(c, a.token, GOOGLE, "application/json; charset=utf-8"),
    "H13": lambda c, a, s: _post(c, a.token, _zip(("report.json", GOOGLE))),
    "H14": lambda c, a, s: _post(c, a.token.upper(), gzip.compress(GOOGLE)),
    "H15": lambda c, a, s: _post(c, a.token, b"hello", JS),
    "H16": lambda c, a, s: _post(c, a.token, b"[" + GOOGLE + b"]", JS),
    "H17": _resend,
    "H18": _twice,
    "H19": lambda c, a, s: _post(
        c, a.token, gzip.compress(GOOGLE), JS, HTTP_CONTENT_ENCODING="x-gzip"
    ),
    "H20": lambda c, a, s: _post(c, a.token.upper() + "/", gzip.compress(GOOGLE)),
    "H21": lambda c, a, s: _post(c, a.token, gzip.compress(DMARC)),
    "H22": lambda c, a, s: _post(c, "a" * 65, gzip.compress(GOOGLE)),
    "H23": _other_case_resend,
    "H24": lambda c, a, s: _post(c, a.token, b"\n" * 100 + GOOGLE, JS),
}


@pytest.mark.parametrize("case_id", ids("https"))
def test_the_https_intake_answers_as_expected(
    case_id, client: Client, address: ReportAddress, eager, settings
) -> None:
    case = CASES[case_id]
    response = HTTPS[case_id](client, address, settings)
    assert response.status_code == case["http"], response.content
    if "allow" in case:
        assert response["Allow"] == case["allow"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
    else:
        check_raw(case, RawReport.objects.order_by("pk").last())
        assert RawReport.objects.count() == case.get("rows", RawReport.objects.count())
    nothing_lost_nor_doubled()


# --- E-mail (door "email": manage.py ingest_email) -------------------------------------------

FILENAME = "sender.example!example.com!1780272000!1780358399!001.json.gz"


def head(address: ReportAddress, **replace: str | None) -> list[tuple[str, str]]:
    """The §5.3 header block; a value None leaves the header out."""
    fields = {
        "From": "noreply-smtp-tls-reporting@sender.example",
        "To": address.mailto,
        "Subject": "Report Domain: example.com Submitter: sender.example "
        "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>",
        "Date": "Tue, 02 Jun 2026 03:12:40 +0000",
        "Message-ID": "<20260602031240.tlsrpt.4f9c@sender.example>",
        "TLS-Report-Domain": "example.com",
        "TLS-Report-Submitter": "sender.example",
        "MIME-Version": "1.0",
    }
    fields.update(replace)  # type: ignore[arg-type]
    return [(k, v) for k, v in fields.items() if v is not None]


def part(
    ctype: str,
    payload: bytes,
    *,
    cte: str = "base64",
    filename: str | None = None,
    wrap: bool = True,
) -> bytes:
    lines = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}"]
    if filename:
        lines.append(f'Content-Disposition: attachment; filename="{filename}"')
    if cte == "base64":
        text = base64.b64encode(payload)
        if wrap:
            text = b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    elif cte == "quoted-printable":
        text = quopri.encodestring(payload).replace(b"\n", b"\r\n")
    elif cte == "binary":
        # Binary data goes as it is (RFC 3030): a gzip header's time holding a 0x0a byte
        # must not become CR LF (E21 failed so on about one run in 256).
        text = payload
    else:
        text = payload.replace(b"\n", b"\r\n")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + text + b"\r\n"


TEXT = part("text/plain; charset=us-ascii", b"This is an aggregate TLS report.\n", cte="7bit")


def multipart(
    address: ReportAddress,
    parts: list[bytes],
    *,
    fields: list[tuple[str, str]] | None = None,
    report_type: str = 'multipart/report; report-type="tlsrpt"',
) -> bytes:
    block = _text_block(fields or head(address))
    body = b"".join(b"--b1\r\n" + p for p in [TEXT, *parts]) + b"--b1--\r\n"
    return block + f'Content-Type: {report_type}; boundary="b1"\r\n\r\n'.encode() + body


def _text_block(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in fields).encode()


def single(address: ReportAddress, ctype: str, payload: bytes) -> bytes:
    return _text_block(head(address)) + part(ctype, payload)


GOOGLE_GZ = gzip.compress(GOOGLE)


def _folded(address: ReportAddress) -> bytes:
    message = multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    message = message.replace(
        b"TLS-Report-Domain: example.com", b"TLS-Report-Domain:\r\n example.com"
    )
    return message.replace(
        b"TLS-Report-Submitter: sender.example", b"TLS-Report-Submitter:\r\n\tsender.example"
    )


def _other_case(address: ReportAddress) -> bytes:
    message = multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    message = message.replace(b"TLS-Report-Domain:", b"tls-report-domain:")
    return message.replace(b"TLS-Report-Submitter:", b"TLS-REPORT-SUBMITTER:")


def _encoded_words(address: ReportAddress) -> bytes:
    fields = head(
        address,
        Subject="=?UTF-8?Q?Report_Domain:_example.com_Submitter:_sender.example?=",
        **{"TLS-Report-Submitter": "=?utf-8?q?sender.example?="},
    )
    return multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)], fields=fields)


def _gateway(address: ReportAddress) -> bytes:
    disclaimer = part(
        "text/plain; charset=utf-8",
        b"This message was scanned by the Secure Email Gateway.\n",
        cte="7bit",
    )
    return multipart(
        address,
        [
            part('application/octet-stream; name="tlsrpt.json.gz"', GOOGLE_GZ, filename=FILENAME),
            disclaimer,
        ],
        fields=[*head(address), ("X-Proofpoint-Spam-Details", "rule=notspam policy=default")],
    )


def _resent(address: ReportAddress) -> list[bytes]:
    first = multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    again = multipart(
        address,
        [part(GZ, gzip.compress(GOOGLE, mtime=7), filename=FILENAME)],
        fields=head(address, **{"Message-ID": "<resend.2@sender.example>"}),
    )
    return [first, again]


def _forwarded(address: ReportAddress) -> bytes:
    """The E01 mail, to be signed by the reporter, then forwarded unsigned by the domain's
    admin (the test signs the original before forwarding it: FORWARDED)."""
    return multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)])


# Each builds the message (or messages, sent in turn); signed by sender.example unless
# the case is about an unsigned one.
EMAILS: dict[str, Callable[[ReportAddress], bytes | list[bytes]]] = {
    "E01": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]),
    "E02": lambda a: single(a, GZ, GOOGLE_GZ),
    "E03": lambda a: multipart(a, [part(JS, GOOGLE, cte="quoted-printable")]),
    "E04": lambda a: multipart(a, [part(GZ, _zip(("report.json", GOOGLE)), filename=FILENAME)]),
    "E05": _forwarded,
    "E06": _folded,
    "E07": _other_case,
    "E08": _encoded_words,
    "E09": lambda a: multipart(
        a, [part(GZ, GOOGLE_GZ)], fields=head(a, **{"TLS-Report-Submitter": None})
    ),
    "E10": lambda a: multipart(a, [part(GZ, gzip.compress(GOOGLE_GZ), filename=FILENAME)]),
    "E11": lambda a: multipart(
        a,
        [part("application/zip", _zip(("readme.txt", b"see the report"), ("r.json", GOOGLE)))],
    ),
    "E12": lambda a: multipart(a, [part(GZ, b"", filename=FILENAME)]),
    "E13": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]).replace(b"\r\n", b"\n"),
    "E14": lambda a: multipart(
        a,
        [part(GZ, GOOGLE_GZ)],
        fields=head(
            a,
            Subject="Report Domain: example.com Submitter: sender.example "
            "Report-ID: 133715927483468703+example.com",
        ),
    ),
    "E15": _gateway,
    "E16": lambda a: multipart(a, [part(f"{JS}; charset=utf-8", GOOGLE, cte="8bit")]),
    "E17": _resent,
    "E18": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]),
    "E19": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]),
    "E20": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME, wrap=False)]),
    "E21": lambda a: multipart(a, [part(GZ, GOOGLE_GZ, cte="binary", filename=FILENAME)]),
    "E22": lambda a: multipart(a, [part(JS, GOOGLE_GZ)]),
    "E23": lambda a: multipart(
        a, [part(GZ, GOOGLE_GZ)], fields=head(a, **{"TLS-Report-Domain": "bücher.example"})
    ),
    "E24": lambda a: multipart(a, [part(GZ, GOOGLE_GZ), part(JS, GOOGLE, cte="7bit")]),
    "E25": lambda a: multipart(a, [part(GZ, GOOGLE_GZ)]).replace(b'; boundary="b1"', b""),
    "E26": lambda a: _text_block(head(a)) + b"\r\n",
    "E27": lambda a: multipart(a, [part(GZ, base64.encodebytes(GOOGLE_GZ), filename=FILENAME)]),
}
UNSIGNED = {"E18"}


def sign_any(message: bytes, signer: Any) -> bytes:
    """test_reports_email.sign for any bytes (a binary part is no UTF-8)."""
    text = message.decode("latin-1").lower()
    include = [h for h in SIGNED_HEADERS if h.decode() + ":" in text]
    return (
        dkim.sign(
            message, b"tlsrpt2026", b"sender.example", signer.private, include_headers=include
        )
        + message
    )


FORWARDED = {"E05"}


@pytest.mark.parametrize("case_id", ids("email"))
def test_a_report_mail_ends_as_expected(case_id, address: ReportAddress, signer, eager) -> None:
    case = CASES[case_id]
    built = EMAILS[case_id](address)
    messages = built if isinstance(built, list) else [built]
    args: list[str] = []
    if case_id == "E19":
        args = ["--recipient", f"tlsrpt+{'0' * 20}@{conf.inbound_domain()}"]
    for message in messages:
        signed = message if case_id in UNSIGNED else sign_any(message, signer)
        if case_id in FORWARDED:
            signed = forwarded(signed, address.mailto)
        code = ingest(signed, *args)
    assert code == case["exit"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
    else:
        assert RawReport.objects.count() == case.get("rows", len(messages))
        check_raw(case, RawReport.objects.order_by("pk").last())
        if "reports" in case:
            assert TlsReport.objects.count() == case["reports"]
    nothing_lost_nor_doubled()


# --- SMTP (door "smtp": the aiosmtpd listener) -----------------------------------------------


def test_the_smtp_listener_takes_a_report_and_refuses_a_stranger(
    transactional_db, signer, eager
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            message = sign(multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
            assert client.sendmail("noreply@sender.example", [address.mailto], message) == {}
            stranger = f"tlsrpt+{'0' * 20}@{conf.inbound_domain()}"
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("noreply@sender.example", [stranger], message)
    finally:
        controller.stop()
    assert refused.value.recipients[stranger][0] == CASES["S02"]["smtp"]
    check_raw(CASES["S01"], RawReport.objects.get())
    nothing_lost_nor_doubled()


def test_every_case_of_the_table_is_driven() -> None:
    driven = set(BODIES) | set(HTTPS) | set(EMAILS) | {"S01", "S02", "I01"}
    assert driven == set(CASES)
    # No two builders make the same input by mistake.
    assert len({BODIES[k]() for k in BODIES}) == len(BODIES)
