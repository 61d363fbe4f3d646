"""The free-check page lists the addresses the SSRF guard refused by reading the findings'
texts. A finding holding a long run of hex letters (a 64 KiB MTA-STS policy padded with one
"x-padding: aaa…" line, lab scenario s17m-size64k) took that scan 50 s, for every page view:
the scan is linear now, and still finds the refused addresses."""

from __future__ import annotations

import time

from mailsec.freecheck.models import FreeCheck

REFUSED = "is a private, loopback, link-local or reserved address"


def _check(*summaries: str) -> FreeCheck:
    findings = [
        {"id": f"MTASTS-{n:02d}", "mechanism": "mta-sts", "status": "info", "summary": text}
        for n, text in enumerate(summaries, start=1)
    ]
    report = {"domain": "example.org", "findings": findings, "mechanisms": {}}
    return FreeCheck(domain="example.org", status=FreeCheck.State.DONE, report=report)


def test_a_long_run_of_hex_letters_is_scanned_at_once() -> None:
    check = _check("x-padding: " + "a" * 65_000, f"10.0.0.1 {REFUSED} (not probed)")
    started = time.monotonic()
    found = check.refused_targets()
    assert time.monotonic() - started < 2  # it took minutes for 64 KiB
    assert found == ["10.0.0.1"]


def test_refused_addresses_are_still_found() -> None:
    check = _check(f"fd00::1 {REFUSED}; 192.168.1.5 {REFUSED}", "nothing refused here")
    assert check.refused_targets() == ["fd00::1", "192.168.1.5"]
    assert _check("a" * 100 + f"1.2.3.4 {REFUSED}").refused_targets() == []
