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

from tests.test_engine_s36f_uri import PUBLIC, D, _of, _run
from tests.test_ssrf_s34g_blind import watched

# --- 2. a port other than 443 --------------------------------------------------------------


def test_a_report_url_at_another_port_could_not_be_checked() -> None:
    with watched() as (asked, _):
        run = _run(f"https://reports.{D}:8443/r", {(f"reports.{D}", "A"): [PUBLIC]})
    assert asked == []
    (finding,) = _of(run, "TLSRPT-10")
    assert finding.status == "error", (finding.status, finding.summary)
    assert finding.summary.startswith(f"Could not check whether https://reports.{D}:8443/r")
    assert "names port 8443; mailsec fetches only from port 443" in finding.summary
