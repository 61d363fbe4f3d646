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

from checks.https import HttpsResult
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_engine_s36f_uri import PUBLIC, _of, _run
from tests.test_ssrf_s34g_blind import watched

# --- 3. a host name with percent-escapes ---------------------------------------------------


def _posted(urls: list[str]) -> Any:
    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        urls.append(url)
        return HttpsResult(url=url, status=201, host="reports.s36f-reports.net")

    return fetch


def test_a_percent_encoded_host_name_is_looked_up_decoded() -> None:
    urls: list[str] = []
    run = _run(
        "https://r%65ports.s36f-reports.net/r",
        {("reports.s36f-reports.net", "A"): [PUBLIC]},
        fetch=_posted(urls),
    )
    assert ("reports.s36f-reports.net", "A") in run.asked
    assert not [q for q in run.asked if "%" in q[0]], run.asked
    assert [u for u in urls if "mta-sts" not in u] == ["https://reports.s36f-reports.net/r"]
    (finding,) = _of(run, "TLSRPT-10")
    assert finding.status == "pass", finding.summary
    assert "r%65ports.s36f-reports.net is reports.s36f-reports.net percent-encoded" in (
        finding.summary
    )


def test_a_percent_encoded_u_label_is_looked_up_as_its_a_label() -> None:
    run = _run("https://b%C3%BCcher.s36f-reports.net/r")
    assert ("xn--bcher-kva.s36f-reports.net", "A") in run.asked, run.asked
    (finding,) = _of(run, "TLSRPT-10")
    assert finding.status == "warn"
    assert "xn--bcher-kva.s36f-reports.net does not resolve" in finding.summary
    assert "Publish an address (A or AAAA record) for xn--bcher-kva.s36f-reports.net" in finding.fix
    assert (
        "Write the host name without percent-escapes: https://xn--bcher-kva.s36f-reports.net/r"
        in finding.fix
    )


def test_the_decoded_name_is_guarded() -> None:
    with watched() as (asked, _):
        run = _run(
            "https://r%65ports.s36f-reports.net/r",
            {("reports.s36f-reports.net", "A"): ["10.1.2.3"]},
        )
    assert asked == []
    (finding,) = _of(run, "TLSRPT-10")
    assert finding.status == "error", finding.summary
    assert "10.1.2.3 is not a public address (private); refused" in finding.summary


def test_escapes_that_decode_to_no_name_leave_no_host() -> None:
    record = parse_tlsrpt_record("v=TLSRPTv1; rua=https://r%FFports.s36f-reports.net/r")
    (problem,) = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == "fail"
    assert "percent-escapes" in problem.message
