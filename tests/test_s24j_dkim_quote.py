"""s24j: a DKIM key record with a stray quote at its end only ('v=DKIM1; k=rsa; p=MIIB…AQAB"'),
where a DNS panel kept the closing quote of a zone-file line as text. The quote ends the last
value, so p= read as no base64 (DKIM-06) and k= as no key type (DKIM-08); it is named as the
quotes around a whole record are (DKIM-03, 7ffa867), and the fix is the record without it."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks import dkim
from checks.findings import Finding, Status
from tests.test_fix_texts import BASE, SERVED, D, findings_for

ED25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
RSA_KEY = base64.b64encode(
    rsa.generate_private_key(65537, 2048)
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()
NAME = f"s1._domainkey.{D}."


def _findings(record: str) -> list[Finding]:
    zone = {**BASE, (f"s1._domainkey.{D}", "TXT"): [record]}
    return findings_for(D, zone, SERVED, selectors=("s1",), modules=(dkim,))


def _bad(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status in (Status.FAIL, Status.WARN)]


@pytest.mark.parametrize(
    ("record", "quote"),
    [
        (f'v=DKIM1; k=rsa; p={RSA_KEY}"', "'\"' at the end"),
        (f'v=DKIM1; k=rsa; p={RSA_KEY}\\"', "'\\\"' at the end"),
        (f"v=DKIM1; k=rsa; p={RSA_KEY}'", '"\'" at the end'),
    ],
)
def test_a_stray_closing_quote_after_the_key_is_named(record: str, quote: str) -> None:
    (finding,) = _bad(_findings(record))
    assert finding.id == "DKIM-03" and finding.status == Status.FAIL  # fail, as DKIM-06 was
    assert f"The key record ends with a quote ({quote})" in finding.summary
    assert "which the DNS panel kept as part of its text" in finding.summary
    assert "p=" in finding.summary and "not valid base64" not in finding.summary
    # The record retyped without it (TXT strings of at most 255 octets, joined here).
    assert finding.fix.replace('" "', "") == f'{NAME} TXT "v=DKIM1; k=rsa; p={RSA_KEY}"'


def test_a_stray_quote_after_the_key_type_is_named_too() -> None:
    (finding,) = _bad(_findings(f'v=DKIM1; p={ED25519}; k=ed25519"'))
    assert finding.id == "DKIM-03" and finding.status == Status.FAIL  # fail, as DKIM-08 was
    assert "The key record ends with a quote ('\"' at the end)" in finding.summary
    assert "k=" in finding.summary
    assert finding.fix == f'{NAME} TXT "v=DKIM1; p={ED25519}; k=ed25519"'


def test_a_good_key_and_a_quote_inside_a_value_read_as_before() -> None:
    assert not _bad(_findings(f"v=DKIM1; k=ed25519; p={ED25519}"))
    # A stray quote that spoils nothing receivers read (an unknown t= flag is ignored) adds no
    # fail of its own.
    assert not [
        f for f in _findings(f'v=DKIM1; k=ed25519; p={ED25519}; t=s"') if f.status == "fail"
    ]
    # Quotes around the whole record keep their words (7ffa867).
    (finding,) = _bad(_findings(f'"v=DKIM1; k=ed25519; p={ED25519}"'))
    assert "written between quotes" in finding.summary
