"""A BIMI record without an l= tag (task s47e item 2).

The draft defines l= as REQUIRED and says "If a required tag is missing ... it is an error"
(Assertion Record Definition); a Declination to Publish is "both the l= and a= tags ... empty",
an a= left out counting as empty. So 'v=BIMI1;' and 'v=BIMI1; a=' are not declinations but
records in error: BIMI-03 fails them, as before, and its fix offers both ways out (a logo URL,
or the declination) for either, where it offered the declination only without a=.

s46c (b6ea3b18) stopped counting a declination as a sign that a null-MX domain sends mail: it
shows no logo. A record that names neither a logo nor a mark certificate shows none either and
says nothing about mail, so MX-03 (and MX-01, SMTP-01, DKIM-01, which read the same
mx.sending_signs) no longer counts it. A record naming a mark certificate still counts, as
'l=; a=<certificate>' already did: a certificate is obtained for a brand's mail.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import bimi, mx
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_spf import make_ctx

D = "parked.example.com"
BIMI = (f"default._bimi.{D}", "TXT")
CERT = f"https://{D}/vmc.pem"


def zone(record: str, *, null_mx: bool = True) -> dict[Any, Any]:
    return {
        (D, "MX"): ["0 ."] if null_mx else ["10 mx.example.net."],
        (D, "TXT"): ["v=spf1 -all"],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
        BIMI: [record],
    }


def one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def signs(record: str) -> list[str]:
    ctx = make_ctx(D, zone(record))
    return asyncio.run(mx.sending_signs(ctx))[0]


def test_a_record_without_logo_or_certificate_is_no_sign_of_sending() -> None:
    for record in ("v=BIMI1;", "v=BIMI1", "v=BIMI1; a=", "v=BIMI1; a=;"):
        mx03 = one(run_engine(mx, D, zone(record)).findings, "MX-03")
        assert mx03.status == "info", (record, mx03.summary)
        assert "bimi" not in mx03.summary.lower(), record
        assert signs(record) == [], record


def test_a_record_naming_a_mark_certificate_still_counts() -> None:
    # Control: as 'v=BIMI1; l=; a=<certificate>' did before s47e.
    for record in (f"v=BIMI1; a={CERT}", f"v=BIMI1; l=; a={CERT}"):
        mx03 = one(run_engine(mx, D, zone(record)).findings, "MX-03")
        assert mx03.status == "warn", (record, mx03.summary)
        assert f"BIMI record at default._bimi.{D}" in mx03.summary
    # And a declination still does not (s46c).
    assert signs("v=BIMI1; l=; a=;") == []


def test_bimi03_fails_a_record_without_l_and_offers_the_declination_beside_empty_a() -> None:
    for record in ("v=BIMI1;", "v=BIMI1; a="):
        for null_mx in (True, False):
            bimi03 = one(run_engine(bimi, D, zone(record, null_mx=null_mx)).findings, "BIMI-03")
            assert bimi03.status == "fail", record  # not a declination: l= is required
            assert "no l= tag" in bimi03.summary
            assert f'To decline BIMI instead, publish "v=BIMI1; l=; a=" at {BIMI[0]}.' in (
                bimi03.fix
            ), (record, bimi03.fix)
    # Control: a record naming a certificate meant a logo; no declination is offered.
    bimi03 = one(run_engine(bimi, D, zone(f"v=BIMI1; a={CERT}")).findings, "BIMI-03")
    assert bimi03.status == "fail"
    assert "decline" not in bimi03.fix
