"""Task s36f: TLS-RPT report URL follow-ups of the SSRF blind round s36g
(tests/test_ssrf_s36g_blind.py's docstring, "Noticed, left").

1. A rua holding non-ASCII characters (https://１２７。０。０。１/r, https://bücher.example/r,
   mailto:tlś@example.org) is no URI: RFC 3986 §2 has URIs in ASCII, an IRI is converted to
   one first (RFC 3987 §3.1), and RFC 8460 §3 takes its rua values as RFC 3986 URIs. TLSRPT-06
   says so, with the URI form as the fix (the host in A-labels, other characters
   percent-encoded as UTF-8); TLSRPT-05 passes as before (the rua= field is there).
2. An https report URL at a port other than 443, which mailsec never connects to, is TLSRPT-10
   "could not check" (error), as the same refusal is for BIMI-09/10 since s36g; it was an info
   ("could not tell").
3. A report host name written with percent-escapes (r%65ports.example) is the name a reporter's
   URL parser decodes (RFC 3986 §3.2.2, §6.2.2.2): that name is looked up and guarded, not the
   text as written.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import starttls, tlsrpt
from checks.tlsrpt import parse_tlsrpt_record
from tests.blind_engine import EngineRun, run_engine
from tests.test_ssrf_s34g_blind import watched

D = "shop.s36f-owner.org"
PUBLIC = "9.9.9.9"
FULL_WIDTH = "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11"  # １２７。０。０。１


def _run(rua: str, extra: dict[Any, Any] | None = None, fetch: Any = None) -> EngineRun:
    zone: dict[Any, Any] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={rua}"],
    }
    zone.update(extra or {})
    starttls.clear_cache()
    return run_engine(tlsrpt, D, zone, fetch=fetch)


def _of(run: EngineRun, check_id: str) -> list[Any]:
    return [f for f in run.findings if f.id == check_id]


# --- 1. non-ASCII characters in a rua -----------------------------------------------------


@pytest.mark.parametrize(
    ("rua", "form"),
    [
        (f"https://{FULL_WIDTH}/r", "https://127.0.0.1/r"),
        ("https://b\u00fccher.s36f-reports.net/r", "https://xn--bcher-kva.s36f-reports.net/r"),
        (
            "https://r.s36f-reports.net/berichte/\u00e4",
            "https://r.s36f-reports.net/berichte/%C3%A4",
        ),
        ("mailto:tl\u015b@s36f-reports.net", "mailto:tl%C5%9B@s36f-reports.net"),
    ],
)
def test_a_rua_with_non_ascii_characters_is_no_uri(rua: str, form: str) -> None:
    record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={rua}")
    assert not record.valid
    (problem,) = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == "fail"
    assert "non-ASCII" in problem.message and "RFC 3986 §2" in problem.message
    assert repr(form) in problem.message, problem.message
    assert tlsrpt.usable_rua(f"v=TLSRPTv1; rua={rua}") == [form]


def test_beside_a_usable_address_it_is_a_warning_and_the_fix_keeps_its_uri_form() -> None:
    rua = "mailto:tls@s36f-reports.net,https://b\u00fccher.s36f-reports.net/r"
    record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={rua}")
    assert record.valid
    (problem,) = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == "warn"
    assert tlsrpt.usable_rua(f"v=TLSRPTv1; rua={rua}") == [
        "mailto:tls@s36f-reports.net",
        "https://xn--bcher-kva.s36f-reports.net/r",
    ]


def test_the_full_width_address_is_not_probed_and_tlsrpt05_passes() -> None:
    with watched() as (asked, sockets):
        run = _run(f"https://{FULL_WIDTH}/r")
    assert asked == [] and sockets == []
    assert [f.status for f in _of(run, "TLSRPT-05")] in ([], ["pass"])
    (tlsrpt06,) = _of(run, "TLSRPT-06")
    assert tlsrpt06.status == "fail"
    assert "https://127.0.0.1/r" in tlsrpt06.summary + tlsrpt06.fix
    assert _of(run, "TLSRPT-10") == []


def test_ascii_uris_are_not_touched() -> None:
    """Control: a percent-encoded path and an A-label host are URIs."""
    for rua in ("https://r.s36f-reports.net/berichte/%C3%A4", "https://xn--bcher-kva.example/r"):
        record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={rua}")
        assert record.valid and not record.problems, record.problems
