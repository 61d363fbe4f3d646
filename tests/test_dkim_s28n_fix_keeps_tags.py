"""Round s28n: a key record without p= (or with a p= that does not decode) is fixed by
copying the key again, and the record offered for it keeps the owner's other valid tags.

Before, the offered record was always `v=DKIM1; k=rsa; p=<the public key>`: publishing it over
`v=DKIM1; t=s` dropped the t=s (RFC 6376 §3.6.1: the key may not sign for subdomains), and a
key limited to mail by s=email lost that too."""

from __future__ import annotations

from checks import dkim
from checks.findings import Finding, Status
from tests.test_spf import published, run

D = "example.com"
NAME = f"s1._domainkey.{D}"


def the_fix(record: str, check_id: str) -> tuple[str, str]:
    found: list[Finding] = run(dkim, D, {(NAME, "TXT"): [record]}, dkim_selectors=("s1",))
    [finding] = [f for f in found if f.id == check_id and f.status == Status.FAIL]
    line = next(line for line in finding.fix.splitlines() if ". TXT " in line)
    return published(line)


def test_it_keeps_t_s_when_p_is_missing() -> None:
    name, record = the_fix("v=DKIM1; k=rsa; t=s", "DKIM-05")
    assert name == NAME
    assert record == "v=DKIM1; k=rsa; t=s; p=<the public key>"


def test_it_keeps_the_owners_tags_in_their_order_when_p_is_missing() -> None:
    _, record = the_fix("v=DKIM1; s=email; n=main key; t=s", "DKIM-05")
    assert record == "v=DKIM1; s=email; n=main key; t=s; p=<the public key>"


def test_it_keeps_the_other_tags_when_p_does_not_decode() -> None:
    _, record = the_fix("v=DKIM1; t=s; p=MIIB%%%; s=email", "DKIM-06")
    assert record == "v=DKIM1; t=s; p=<the public key>; s=email"


def test_it_still_repairs_the_other_tags_it_keeps() -> None:
    # k= in lower case and v= first, as repaired_record does for a record with a key.
    _, record = the_fix("k=rsa; v=DKIM1; t=s", "DKIM-05")
    assert record == "v=DKIM1; k=rsa; t=s; p=<the public key>"
