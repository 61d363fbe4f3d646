"""Writes the round-s44r report inputs (tests/test_reports_s44r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s44r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — door "body" (both parse readers, gzip-POSTed, mailed gzipped and signed),
  door "shown" (a report of yesterday, {D-1} filled in by the test) and door "at" (gzip-POSTed
  to the address of the domain the case names).
* `<id>a.json`, `<id>b.json` — door "pair": two bodies gzip-POSTed one after the other.
* `<id>.bin` — door "container": the body POSTed as it is, with the case's Content-Type.
* `<id>.eml` — door "email": a report mail, To: @@MAILTO@@, which the test signs.
"""

from __future__ import annotations

import gzip
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, TEXT, b64, detail, dumps, multi, part  # noqa: E402

ORG = "Sender Example Mail Ltd."
RID = "2026-06-01T00:00:00Z_example.com"


def report(policies: list[dict], rid: str = RID, **top: Any) -> dict:
    return shared.report(ORG, rid, policies, **top)


def sts(ok: int = 120, failed: int = 0, details: list | None = None, **kw: Any) -> dict:
    extra = {} if details is None else {"failure-details": details}
    return shared.sts(kw.pop("domain", "example.com"), ok, failed, **extra)


def with_lines(entry: dict, lines: list[str]) -> dict:
    entry["policy"]["policy-string"] = lines
    return entry


def bare(result_type: str, count: int, **fields: Any) -> dict:
    """A failure detail of result-type and count, and only the `fields` given."""
    d: dict[str, Any] = {"result-type": result_type, "failed-session-count": count}
    d.update(fields)
    return d


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # W01: receiving-mx-helo beside receiving-mx-hostname, no receiving-ip.
    w01 = detail("starttls-not-supported", 3, **{"receiving-mx-helo": "mx1.example.com"})
    del w01["receiving-ip"]
    out["W01"] = dumps(report([sts(97, 3, [w01])]))
    # W02: the MX greeted with an address literal (RFC 5321 §4.1.1.1 allows it in EHLO).
    w02 = detail("certificate-host-mismatch", 2, **{"receiving-mx-helo": "[198.51.100.25]"})
    out["W02"] = dumps(report([sts(98, 2, [w02])]))
    # W03: a hosted MX whose greeting names the provider's server, not the MX name.
    w03 = detail("certificate-not-trusted", 1, **{"receiving-mx-helo": "smtp-in.provider.example"})
    out["W03"] = dumps(report([sts(99, 1, [w03])]))
    # W04: a testing policy quoted as served with no blank after the colons (RFC 8461 §3.2:
    # sts-policy-field-delim = ":" *WSP).
    out["W04"] = dumps(
        report(
            [
                with_lines(
                    sts(),
                    ["version:STSv1", "mode:testing", "mx:mx1.example.com", "max_age:86400"],
                )
            ]
        )
    )
    # W05: the same policy with trailing blanks (a tab after 'testing', a blank after the mx).
    out["W05"] = dumps(
        report(
            [
                with_lines(
                    sts(),
                    ["version: STSv1", "mode: testing\t", "mx: mx1.example.com ", "max_age: 86400"],
                )
            ]
        )
    )
    # W06: an sts result quoting a policy in mode none.
    out["W06"] = dumps(
        report([with_lines(sts(100), ["version: STSv1", "mode: none", "max_age: 86400"])])
    )
    # W07: the same sts entry twice (a writer that appended its result twice).
    twice = [sts(60, 2, [detail("certificate-expired", 2)]) for _ in range(2)]
    out["W07"] = dumps(report(twice))
    # W08: policy-domain an array of one name.
    w08 = sts()
    w08["policy"]["policy-domain"] = ["example.com"]
    out["W08"] = dumps(report([w08]))
    # W09: date-range an array of the two date-times.
    out["W09"] = dumps(
        report([sts()], **{"date-range": ["2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z"]})
    )
    # W10: date-range members named start-date-time / end-date-time.
    out["W10"] = dumps(
        report(
            [sts()],
            **{
                "date-range": {
                    "start-date-time": "2026-06-01T00:00:00Z",
                    "end-date-time": "2026-06-01T23:59:59Z",
                }
            },
        )
    )
    # W11: the report-id as read from a file line, its CR LF kept.
    out["W11"] = dumps(report([sts()], rid="s44r-W11\r\n"))
    # W12: fractions and +00:00 on both ends, ending at the next midnight.
    out["W12"] = dumps(
        shared.dates(
            report([sts()]), "2026-06-01T00:00:00.000+00:00", "2026-06-02T00:00:00.000+00:00"
        )
    )
    # W13: no policy found because the policy fetch failed: no-policy-found with the fetch
    # error as its failure detail.
    w13 = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
        "summary": {"total-successful-session-count": 0, "total-failure-session-count": 6},
        "failure-details": [bare("sts-policy-fetch-error", 6)],
    }
    out["W13"] = dumps(report([w13]))
    # W29 (second batch): a UTC day whose end is written at +14:00.
    out["W29"] = dumps(
        shared.dates(report([sts()]), "2026-06-01T00:00:00Z", "2026-06-02T13:59:59+14:00")
    )
    # W14: receiving-mx-hostname written as the address the sender connected to.
    w14 = detail("certificate-expired", 2, **{"receiving-mx-hostname": "198.51.100.25"})
    out["W14"] = dumps(report([sts(98, 2, [w14])]))
    return out


def pairs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # W15: one day-only report-id for two policy domains sharing one address.
    out["W15a"] = dumps(report([sts(120)], rid="2026-06-01"))
    out["W15b"] = dumps(report([sts(80, domain="mail.example.com")], rid="2026-06-01"))
    # W16: the same report, resent with its instants written at +02:00.
    out["W16a"] = dumps(report([sts()]))
    out["W16b"] = dumps(
        shared.dates(report([sts()]), "2026-06-01T02:00:00+02:00", "2026-06-02T01:59:59+02:00")
    )
    # W17: the same report, resent with its failure details in the other order.
    d1 = detail("certificate-expired", 2)
    d2 = detail("starttls-not-supported", 1, **{"receiving-ip": "198.51.100.26"})
    out["W17a"] = dumps(report([sts(117, 3, [d1, d2])]))
    out["W17b"] = dumps(report([sts(117, 3, [d2, d1])]))
    return out


def shown() -> dict[str, bytes]:
    def of_yesterday(policies: list[dict], rid: str) -> bytes:
        r = report(policies, rid=rid)
        return dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))

    out: dict[str, bytes] = {}
    # W18: a detail naming the receiver only by its greeting.
    helo = bare("certificate-host-mismatch", 4, **{"receiving-mx-helo": "mx1.example.com"})
    out["W18"] = of_yesterday([sts(96, 4, [helo])], "s44r-W18-{D-1}")
    # W19: one MX written two ways.
    out["W19"] = of_yesterday(
        [
            sts(
                95,
                5,
                [
                    detail(
                        "certificate-expired", 3, **{"receiving-mx-hostname": "MX1.Example.COM."}
                    ),
                    detail("certificate-expired", 2),
                ],
            )
        ],
        "s44r-W19-{D-1}",
    )
    # W20: one receiving address written two ways.
    out["W20"] = of_yesterday(
        [
            sts(
                95,
                5,
                [
                    detail("certificate-expired", 3, **{"receiving-ip": "2001:DB8::19"}),
                    detail("certificate-expired", 2, **{"receiving-ip": "2001:db8:0:0:0:0:0:19"}),
                ],
            )
        ],
        "s44r-W20-{D-1}",
    )
    # W21: W07's doubled entry, yesterday.
    twice = [sts(60, 2, [detail("certificate-expired", 2)]) for _ in range(2)]
    out["W21"] = of_yesterday(twice, "s44r-W21-{D-1}")
    return out


def at() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # W25: a report about example.com at the address of mail.example.com.
    out["W25"] = dumps(report([sts()]))
    # W26: policy-domain 'bücher.example.' (U-label, root dot) at xn--bcher-kva.example's.
    w26 = sts(domain="xn--bcher-kva.example")
    w26["policy"]["policy-domain"] = "b\u00fccher.example."
    out["W26"] = dumps(report([w26], rid="2026-06-01T00:00:00Z_xn--bcher-kva.example"))
    return out


def gzip_ftext(data: bytes) -> bytes:
    """A gzip member with FTEXT set (RFC 1952 §2.3.1: the data is probably text), OS 3."""
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = raw.compress(data) + raw.flush()
    head = b"\x1f\x8b\x08\x01" + struct.pack("<I", 0) + b"\x00\x03"
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


def containers() -> dict[str, bytes]:
    data = dumps(report([sts()]))
    out: dict[str, bytes] = {}
    # W22: gzip of stored blocks only (level 0, Go's gzip.NoCompression).
    out["W22"] = gzip.compress(data, compresslevel=0, mtime=0)
    # W23: gzip with FTEXT set.
    out["W23"] = gzip_ftext(data)
    # W24: a zip whose one file is named REPORT.JSON.GZ (upper-case extension).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("REPORT.JSON.GZ", date_time=(2026, 6, 2, 3, 12, 40))
        z.writestr(info, gzip.compress(data, mtime=0))
    out["W24"] = buf.getvalue()
    return out


def mails() -> dict[str, bytes]:
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    report_part = part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        b64(g),
    )
    # W27: multipart/report with the report part first and the human text second.
    return {
        "W27": shared.mail_headers("s44r")
        + multi('multipart/report; report-type="tlsrpt"', "s44r-first", [report_part, TEXT])
    }


def second_mails() -> dict[str, bytes]:
    """Second batch: W28's two reports (POSTed, then mailed signed), W30's mail."""
    out: dict[str, bytes] = {}
    out["W28a"] = dumps(report([sts(120)], rid="2026-06-01"))
    w28b = report([sts(80, 5, [detail("certificate-expired", 5)], domain="mail.example.com")])
    w28b["report-id"] = "2026-06-01"
    g = gzip.compress(dumps(w28b), mtime=0)
    subject = "Report Domain: mail.example.com Submitter: sender.example Report-ID: <2026-06-01>"
    head = shared.mail_headers(
        "s44r-w28", **{"TLS-Report-Domain": "mail.example.com", "Subject": subject}
    )
    out["W28"] = head + multi(
        'multipart/report; report-type="tlsrpt"', "s44r-w28", [TEXT, shared.gz_attachment(g)]
    )
    # W30: no-policy-found without policy-domain; the domain only in TLS-Report-Domain, a name
    # below the address's domain.
    np = report(
        [
            {
                "policy": {"policy-type": "no-policy-found"},
                "summary": {"total-successful-session-count": 64, "total-failure-session-count": 0},
            }
        ]
    )
    g = gzip.compress(dumps(np), mtime=0)
    subject = "Report Domain: mail.example.com Submitter: sender.example Report-ID: <s44r-w30>"
    head = shared.mail_headers(
        "s44r-w30", **{"TLS-Report-Domain": "mail.example.com", "Subject": subject}
    )
    out["W30"] = head + multi(
        'multipart/report; report-type="tlsrpt"', "s44r-w30", [TEXT, shared.gz_attachment(g)]
    )
    return out


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": {**bodies(), **pairs(), **shown(), **at(), "W28a": second_mails()["W28a"]},
            ".bin": containers(),
            ".eml": {
                **mails(),
                **{k: v for k, v in second_mails().items() if k != "W28a"},
            },
        },
    )


if __name__ == "__main__":
    main()
