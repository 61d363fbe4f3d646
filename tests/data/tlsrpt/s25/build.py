"""Writes the inputs of blind round 25 (tests/test_reports_s25_blind.py): the JSON reports,
shaped as real senders write them. Dates are written `{D-n}` (the UTC date n days before the
test runs), which the test replaces before anything is sent, so every report falls within the
dashboard's last 30 days. How each report is sent (HTTPS, ingest_email, the SMTP listener; its
type, compression, file name) is its case's `sends` in s25_expectations.json.

Run: python tests/data/tlsrpt/s25/build.py (deterministic: the same bytes again).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from blind_build import detail, dumps, report, sts, tlsa, write  # noqa: E402


def day(r: dict, start: str = "{D-1}T00:00:00Z", end: str = "{D-1}T23:59:59Z") -> dict:
    r["date-range"] = {"start-datetime": start, "end-datetime": end}
    return r


def google_k01() -> bytes:
    """Google: sts with wildcard mx patterns; a full certificate-host-mismatch detail (helo,
    additional-information, reason code) and an sts-webpki-invalid with only its counts."""
    entry = sts(ok=4200, failed=9)
    entry["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: enforce",
        "mx: *.mx.example.com",
        "mx: mx-backup.example.com",
        "max_age: 1209600",
    ]
    entry["policy"]["mx-host"] = ["*.mx.example.com", "mx-backup.example.com"]
    entry["failure-details"] = [
        detail(
            "certificate-host-mismatch",
            6,
            **{
                "receiving-mx-hostname": "eu1.mx.example.com",
                "receiving-mx-helo": "mail.hoster.example",
                "receiving-ip": "198.51.100.41",
                "sending-mta-ip": "209.85.220.41",
                "additional-information": "https://support.google.com/a/answer/9276511",
                "failure-reason-code": "X509_V_ERR_HOSTNAME_MISMATCH",
            },
        ),
        {"result-type": "sts-webpki-invalid", "failed-session-count": 3},
    ]
    r = day(
        report(
            "Google LLC",
            "{D-1}T00:00:00Z_example.com",
            [entry],
            **{"contact-info": "smtp-tls-reporting@google.com"},
        )
    )
    return dumps(r)


def microsoft_k02() -> bytes:
    """Microsoft (Exchange Online): one line, no policy-string, no mx-host, a fetch error
    with result-type and failed-session-count only."""
    r = {
        "organization-name": "Microsoft Corporation",
        "date-range": {
            "start-datetime": "{D-1}T00:00:00Z",
            "end-datetime": "{D-1}T23:59:59Z",
        },
        "contact-info": "tlsrpt-noreply@sender.example",
        "report-id": "134250000000000000+example.com",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": 310,
                    "total-failure-session-count": 40,
                },
                "failure-details": [
                    {"result-type": "sts-policy-fetch-error", "failed-session-count": 40}
                ],
            }
        ],
    }
    return json.dumps(r, separators=(",", ":")).encode()


def yahoo_k03() -> bytes:
    """Yahoo: UUID report-id; four failure types of RFC 8460 §4.3 the rounds rarely send."""
    entry = sts(ok=1000, failed=19)
    entry["policy"]["mx-host"] = ["mx1.example.com"]
    entry["failure-details"] = [
        detail("sts-policy-invalid", 5, **{"receiving-mx-hostname": "mx1.example.com"}),
        detail("validation-failure", 4, **{"receiving-ip": "198.51.100.26"}),
        detail("certificate-not-trusted", 7, **{"receiving-ip": "198.51.100.27"}),
        detail("starttls-not-supported", 3, **{"receiving-ip": "198.51.100.28"}),
    ]
    r = day(report("Yahoo", "5b1c7e54-3f1a-4b8e-9a36-0c2f7d9e1a01", [entry]))
    return dumps(r)


def comcast_k04a() -> bytes:
    """Comcast: a defined type written in other letters."""
    entry = sts(ok=500, failed=5)
    entry["failure-details"] = [detail("Certificate-Expired", 5)]
    r = day(
        report(
            "Comcast",
            "comcast-{D-1}-example.com",
            [entry],
            **{"contact-info": "tlsrpt@comcast.example"},
        )
    )
    return dumps(r)


def google_k04b() -> bytes:
    """Google, the same day: the same type in the RFC's letters."""
    entry = sts(ok=1500, failed=15)
    entry["failure-details"] = [detail("certificate-expired", 15)]
    r = day(
        report(
            "Google LLC",
            "{D-1}T00:00:00Z_example.com",
            [entry],
            **{"contact-info": "smtp-tls-reporting@google.com"},
        )
    )
    return dumps(r)


def mailru_k05() -> bytes:
    """Mail.ru: no policy-string, next-day end, a type unknown to RFC 8460 and an overlap."""
    entry = sts(ok=99, failed=1)
    del entry["policy"]["policy-string"]
    entry["failure-details"] = [
        detail("certificate-revoked", 1),
        detail("certificate-not-trusted", 1),
    ]
    r = day(
        report("Mail.Ru", "mailru-{D-1}-1", [entry], **{"contact-info": "tlsrpt@corp.mail.ru"}),
        "{D-1}T00:00:00Z",
        "{D-0}T00:00:00Z",
    )
    return dumps(r)


def zoho_k06() -> bytes:
    """Zoho: its local day at +05:30 (it begins the evening before in UTC); no-policy-found
    quoting the policy it fetched and could not use (no mx, no max_age)."""
    r = {
        "organization-name": "Zoho Corporation",
        "date-range": {
            "start-datetime": "{D-1}T00:00:00.000+05:30",
            "end-datetime": "{D-1}T23:59:59.999+05:30",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": "zoho-{D-1}-example.com",
        "policies": [
            {
                "policy": {
                    "policy-type": "no-policy-found",
                    "policy-string": ["version: STSv1", "mode: enforce"],
                    "policy-domain": "example.com",
                },
                "summary": {
                    "total-successful-session-count": 70,
                    "total-failure-session-count": 3,
                },
                "failure-details": [
                    {
                        "result-type": "sts-policy-invalid",
                        "sending-mta-ip": "136.143.188.10",
                        "failed-session-count": 3,
                    }
                ],
            }
        ],
    }
    return dumps(r)


def postfix_k07() -> bytes:
    """Postfix + sys4 tlsrpt-reporter: no-policy-found without policy-domain, policy-string or
    mx-host; failure-details []."""
    r = {
        "organization-name": "Sender Example Mail",
        "date-range": {
            "start-datetime": "{D-1}T00:00:00Z",
            "end-datetime": "{D-1}T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": "{D-1}_example.com_7@sender.example",
        "policies": [
            {
                "policy": {"policy-type": "no-policy-found"},
                "summary": {
                    "total-successful-session-count": 64,
                    "total-failure-session-count": 0,
                },
                "failure-details": [],
            }
        ],
    }
    return dumps(r, indent=4)


def postfix_k08() -> bytes:
    """Postfix + sys4: sts and two tlsa policies, the three DANE failure types."""
    s = sts(ok=400, failed=0)
    t1 = tlsa(
        "mx1.example.com",
        200,
        6,
        **{
            "failure-details": [
                detail("tlsa-invalid", 4, **{"receiving-ip": "198.51.100.25"}),
                detail("dnssec-invalid", 2, **{"receiving-ip": "198.51.100.25"}),
            ]
        },
    )
    t2 = tlsa(
        "mx2.example.com",
        100,
        5,
        digest="a7",
        **{
            "failure-details": [
                detail(
                    "dane-required",
                    5,
                    **{
                        "receiving-mx-hostname": "mx2.example.com",
                        "receiving-ip": "198.51.100.26",
                    },
                )
            ]
        },
    )
    r = day(
        report(
            "Sender Example Mail",
            "{D-1}_example.com_8@sender.example",
            [s, t1, t2],
            **{"contact-info": "tlsrpt@sender.example"},
        )
    )
    return dumps(r, indent=4)


def homemade_k09() -> bytes:
    """A small homemade reporter listing every type it saw, even under 0 failed sessions."""
    quiet = sts(ok=50, failed=0)
    quiet["failure-details"] = [
        detail("certificate-expired", 0),
        detail("starttls-not-supported", 2),
    ]
    loud = tlsa("mx1.example.com", 30, 1)
    loud["failure-details"] = [detail("tlsa-invalid", 1)]
    r = day(
        report(
            "mx.homemade.example",
            "homemade-{D-1}",
            [quiet, loud],
            **{"contact-info": "postmaster@homemade.example"},
        )
    )
    return dumps(r)


def homemade_k10() -> bytes:
    """Failure details with only some of the optional fields."""
    entry = sts(ok=200, failed=7)
    entry["failure-details"] = [
        {
            "result-type": "certificate-expired",
            "receiving-mx-hostname": "mx1.example.com",
            "failed-session-count": 2,
        },
        {
            "result-type": "certificate-expired",
            "receiving-ip": "198.51.100.30",
            "failed-session-count": 1,
        },
        {
            "result-type": "starttls-not-supported",
            "sending-mta-ip": "203.0.113.77",
            "failure-reason-code": "454 4.7.0 TLS not available due to local problem",
            "failed-session-count": 4,
        },
    ]
    r = day(
        report(
            "smtp.tiny.example",
            "tiny-{D-1}",
            [entry],
            **{"contact-info": "admin@tiny.example"},
        )
    )
    return dumps(r)


def other_domain_k11() -> bytes:
    """A report about example.net mailed to example.com's address."""
    entry = sts(domain="example.net", ok=800, failed=8)
    entry["failure-details"] = [
        detail("certificate-expired", 8, **{"receiving-mx-hostname": "mx1.example.net"})
    ]
    r = day(
        report(
            "Sender Example Mail",
            "{D-1}_example.net@sender.example",
            [entry],
            **{"contact-info": "tlsrpt@sender.example"},
        )
    )
    return dumps(r)


def resend_k12() -> bytes:
    entry = sts(ok=720, failed=2)
    entry["failure-details"] = [detail("certificate-host-mismatch", 2)]
    r = day(
        report(
            "Sender Example Mail",
            "{D-1}_example.com_12@sender.example",
            [entry],
            **{"contact-info": "tlsrpt@sender.example"},
        )
    )
    return dumps(r)


def resend_k13() -> bytes:
    entry = sts(ok=333, failed=0)
    r = day(
        report(
            "Sender Example Mail",
            "{D-1}_example.com_13@sender.example",
            [entry],
            **{"contact-info": "tlsrpt@sender.example"},
        )
    )
    return dumps(r)


def google_k14() -> bytes:
    entry = sts(ok=900, failed=0)
    r = day(
        report(
            "Google LLC",
            "{D-2}T00:00:00Z_example.com",
            [entry],
            **{"contact-info": "smtp-tls-reporting@google.com"},
        ),
        "{D-2}T00:00:00Z",
        "{D-2}T23:59:59Z",
    )
    return dumps(r)


def comcast_k15a() -> bytes:
    """Comcast writing its own local day (US Eastern, -04:00 in summer and -05:00 in winter:
    the offset is written explicitly, whichever it is)."""
    entry = sts(ok=100, failed=0)
    r = day(
        report(
            "Comcast",
            "comcast-{D-1}-local",
            [entry],
            **{"contact-info": "tlsrpt@comcast.example"},
        ),
        "{D-1}T00:00:00-04:00",
        "{D-1}T23:59:59-04:00",
    )
    return dumps(r)


def google_k15b() -> bytes:
    entry = sts(ok=200, failed=0)
    r = day(
        report(
            "Google LLC",
            "{D-1}T00:00:00Z_example.com",
            [entry],
            **{"contact-info": "smtp-tls-reporting@google.com"},
        )
    )
    return dumps(r)


def local_in_z_k16() -> bytes:
    """A European reporter's day at +02:00 written in UTC: 22:00Z to 21:59:59Z."""
    entry = sts(ok=60, failed=0)
    r = day(
        report(
            "mail.eu-hoster.example",
            "eu-{D-1}",
            [entry],
            **{"contact-info": "tlsrpt@eu-hoster.example"},
        ),
        "{D-2}T22:00:00Z",
        "{D-1}T21:59:59Z",
    )
    return dumps(r)


def spellings_k17() -> bytes:
    """A reporter writing the MTA-STS types in its own letters."""
    entry = sts(ok=180, failed=20)
    entry["failure-details"] = [
        detail("sts_policy_fetch_error", 12, **{"receiving-mx-hostname": "mx1.example.com"}),
        detail("STS-WEBPKI-INVALID", 8, **{"receiving-mx-hostname": "mx1.example.com"}),
    ]
    r = day(
        report(
            "Sender Example Mail",
            "{D-1}_example.com_17@sender.example",
            [entry],
            **{"contact-info": "tlsrpt@sender.example"},
        )
    )
    return dumps(r)


def big_extension_k18() -> bytes:
    """Extension members holding integers past I-JSON's 2^53 (RFC 7493 §2.2)."""
    entry = sts(ok=250, failed=0)
    entry["x-sender-stats"] = {"bytes-delivered": 2**63 + 5}
    r = day(
        report(
            "bigcounter.example",
            "big-{D-1}",
            [entry],
            **{"contact-info": "tlsrpt@bigcounter.example", "x-sequence": 2**64},
        )
    )
    return dumps(r)


def mx_string_k19() -> bytes:
    """mx-host written as one string with a wildcard (RFC 8460 Appendix B's shape), and a
    second policy using the key name mx-host-pattern."""
    one = sts(ok=40, failed=2)
    one["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: testing",
        "mx: *.example.com",
        "max_age: 86400",
    ]
    one["policy"]["mx-host"] = "*.example.com"
    one["failure-details"] = [
        detail("certificate-expired", 2, **{"receiving-mx-hostname": "mx7.example.com"})
    ]
    two = sts(domain="mail.example.com", ok=10, failed=0)
    two["policy"]["mx-host-pattern"] = two["policy"].pop("mx-host")
    r = day(
        report(
            "Yahoo",
            "3a2e5d1f-0b4c-4e1a-8f7d-6c5b4a392817",
            [one, two],
        )
    )
    return dumps(r)


def subdomain_k20() -> bytes:
    """An MTA-STS fetch error for a sub-domain sharing example.com's address."""
    entry = sts(domain="shop.example.com", ok=30, failed=6)
    entry["failure-details"] = [
        detail("sts-policy-fetch-error", 6, **{"receiving-mx-hostname": "mx1.shop.example.com"})
    ]
    r = day(report("Google LLC", "{D-1}T00:00:00Z_shop.example.com", [entry]))
    return dumps(r)


def templates() -> dict[str, bytes]:
    out = {
        "K01": google_k01(),
        "K02": microsoft_k02(),
        "K03": yahoo_k03(),
        "K04a": comcast_k04a(),
        "K04b": google_k04b(),
        "K05": mailru_k05(),
        "K06": zoho_k06(),
        "K07": postfix_k07(),
        "K08": postfix_k08(),
        "K09": homemade_k09(),
        "K10": homemade_k10(),
        "K11": other_domain_k11(),
        "K12": resend_k12(),
        "K13": resend_k13(),
        "K14": google_k14(),
        "K15a": comcast_k15a(),
        "K15b": google_k15b(),
        "K16": local_in_z_k16(),
        "K17": spellings_k17(),
        "K18": big_extension_k18(),
        "K19": mx_string_k19(),
        "K20": subdomain_k20(),
    }
    return out


if __name__ == "__main__":
    write(HERE, {".json": templates()})
