"""Review s42zB of b803208e: a report signed with a key whose h= or s= names a hash or a
service in capitals ('h=SHA256', 's=Email', 's=TLSRPT') is a signed report, as the receivers
that verify DKIM in the field read it, and is parsed, not rejected.

RFC 6376 §3.2 keeps values case-sensitive unless the tag says otherwise, while §3.6.1's
grammar writes the names as quoted strings (key-h-tag-alg = "sha1" / "sha256", key-s-tag-type
= "email" / "*"), which RFC 5234 §2.3 matches without case: the RFC can be read both ways.
Verifiers: OpenDKIM reads h= through dkim_name_to_code (strcasecmp) and s= with
strcasecmp(p, "email"); dkimpy does not look at h= at all. So a mail signed under 'h=SHA256'
is dkim=pass at every such receiver, and the report it carries was rejected by us alone
(RFC 8460 §3 wants reports signed, and they are). A report is never to be lost on a reading
no verifier makes: h= and s= are matched without case in report intake. t= stays as written
('t=Y' is no testing flag): that reading only ever counts a report that was refused before.
The engine's DKIM checks keep telling the owner about such keys."""

from __future__ import annotations

import pytest

from tests.test_reports_s41b_dkim import outcome


def _record(tags: bytes) -> bytes:
    return b"v=DKIM1; k=rsa; " + tags + b"; p="


@pytest.mark.parametrize(
    "tags",
    [
        b"h=SHA256; s=tlsrpt",
        b"h=Sha256; s=tlsrpt",
        b"h = SHA1 : SHA256; s=tlsrpt",
        b"s=TLSRPT",
        b"s=EMAIL",
        b"s=Email:TLSRPT",
        b"s = Email : TLSRPT",
    ],
)
def test_s42zb_a_key_naming_its_hash_or_service_in_capitals_makes_a_report_signed(
    tags: bytes,
) -> None:
    result, detail = outcome(b"rsa-sha256", _record(tags))
    assert result == "pass", (tags, detail)


@pytest.mark.parametrize(
    "tags, said",
    [
        # Controls: what no verifier accepts is still refused, saying why.
        (b"h=SHA1; s=tlsrpt", "h=SHA1"),
        (b"h=sha1; s=tlsrpt", "h=sha1"),
        (b"s=chat", "s=chat lists no service"),
        (b"s=CHAT:XMPP", "s=CHAT:XMPP lists no service"),
    ],
)
def test_s42zb_a_key_for_another_hash_or_service_still_fails(tags: bytes, said: str) -> None:
    result, detail = outcome(b"rsa-sha256", _record(tags))
    assert result == "fail", (tags, detail)
    assert said in detail, detail
    assert "case-sensitive" not in detail, detail


def test_s42zb_t_stays_as_written() -> None:
    # b803208e's reading of t= kept: 'Y' is no testing flag, 'y' is.
    assert outcome(b"rsa-sha256", _record(b"t=Y; s=tlsrpt"))[0] == "pass"
    assert outcome(b"rsa-sha256", _record(b"t=y; s=tlsrpt"))[0] == "fail"
