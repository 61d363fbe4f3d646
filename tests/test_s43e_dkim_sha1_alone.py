"""Task s43e, item 1: DKIM-09's fix for an h= naming SHA-1 alone, in any case.

repaired_record left h= out for a key record 'h=sha1' alone, so that the key verifies rsa-sha1
and rsa-sha256 signatures alike while the signer switches (aa7b6397), but wrote h=sha256 for
'h=SHA1' alone, which OpenDKIM reads as sha1 (s42zF): published before the signer switched, that
fails every signature there. Both now leave h= out: the plainer record (h= is optional, RFC 6376
§3.6.1: every algorithm by default), right in either order, after the note to sign with
rsa-sha256 first. 'SHA1:sha256' keeps its h=sha256."""

from __future__ import annotations

import pytest

from checks import dkim
from checks.findings import Status
from tests.test_dkim_s8_case import rsa_pair
from tests.test_spf import published, run, statuses

# --- 1. DKIM-09: h= naming SHA-1 alone, in any case -------------------------------------------


@pytest.mark.parametrize("h", ["sha1", "SHA1", "Sha1", "SHA1:foo", "sha1:foo"])
def test_s43e_an_h_of_sha1_alone_in_any_case_is_left_out(h: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h={h}; p={pub}"
    assert dkim.repaired_record(record) == f"v=DKIM1; k=rsa; p={pub}", h
    zone = {("s1._domainkey.example.com", "TXT"): [record]}
    found = run(dkim, "example.com", zone, dkim_selectors=("s1",))
    assert statuses(found, "DKIM-09") == [Status.FAIL], h
    finding = next(f for f in found if f.id == "DKIM-09")
    assert finding.fix.startswith("First make sure your mail's DKIM-Signature says a=rsa-sha256")
    line = next(line for line in finding.fix.splitlines() if " TXT " in line)
    assert published(line)[1] == f"v=DKIM1; k=rsa; p={pub}", finding.fix


@pytest.mark.parametrize("h", ["SHA1:sha256", "sha1:sha256", "sha1:SHA256", "SHA256", "foo"])
def test_s43e_an_h_with_sha256_or_no_sha1_still_becomes_h_sha256(h: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h={h}; p={pub}"
    assert dkim.repaired_record(record) == f"v=DKIM1; k=rsa; h=sha256; p={pub}", h
