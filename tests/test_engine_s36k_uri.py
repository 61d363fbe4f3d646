"""Task s36k, item 1: the gaps s36f closed for TLS-RPT (b973f473, 1a476220), looked for in
DMARC rua/ruf (RFC 7489 §6.2/§6.3: URIs) and BIMI l=/a=.

- DMARC: a mailto: whose mail domain is written with percent-escapes standing for the UTF-8
  of a non-ASCII name ('d@b%C3%BCcher.example', RFC 6068 §2, RFC 3986 §3.2.2) is a URI and a
  mailbox receivers send to, at the name's A-labels (checks.domainname.url_host_name): it was
  DMARC-12 "not a valid mailto: address" (fail when alone in rua), and the suggested record
  traded it for an invented mailbox.
- DMARC: an address holding non-ASCII characters stays unusable (as it was), and DMARC-12 now
  says why and gives its URI form (tlsrpt.uri_form, RFC 3987 §3.1); the suggested record keeps
  that form ('mailto:d%C5%9B@...') rather than invent a mailbox.
- BIMI l=/a= already refuse non-ASCII characters with the URI form (BIMI-09/-10, _as_uri).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dmarc
from tests.blind_engine import EngineRun, run_engine

D = "shop.s36k-owner.org"
R = "s36k-reports.net"
IDN = f"xn--bcher-kva.{R}"  # bücher.s36k-reports.net


def _run(record: str, extra: dict[Any, Any] | None = None) -> EngineRun:
    zone: dict[Any, Any] = {
        (f"_dmarc.{D}", "TXT"): [record],
        (D, "MX"): [f"10 mx.{D}."],
        (IDN, "MX"): [f"10 mx.{R}."],
    }
    zone.update(extra or {})
    return run_engine(dmarc, D, zone)


def _of(run: EngineRun, check_id: str, status: str | None = None) -> list[Any]:
    return [f for f in run.findings if f.id == check_id and status in (None, str(f.status))]


def _text(findings: list[Any]) -> str:
    return " ".join(f"{f.summary} {f.fix}" for f in findings)


AUTHORISED = {(f"{D}._report._dmarc.{IDN}", "TXT"): ["v=DMARC1"]}


def test_it_reads_a_percent_escaped_idn_mail_domain_as_its_a_labels() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:d@b%C3%BCcher.{R}", AUTHORISED)
    assert _of(run, "DMARC-12", "pass"), _text(run.findings)
    assert not _of(run, "DMARC-12", "fail") and not _of(run, "DMARC-12", "warn")
    # The authorisation is asked of the name the escapes decode to, in A-labels.
    assert (f"{D}._report._dmarc.{IDN}", "TXT") in run.asked
    assert _of(run, "DMARC-13", "pass"), _text(run.findings)


def test_it_asks_the_a_label_name_to_authorise_a_percent_escaped_ruf() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:a@{D}; ruf=mailto:d@b%C3%BCcher.{R}")
    assert not _of(run, "DMARC-12", "warn"), _text(run.findings)
    fails = _of(run, "DMARC-13", "fail")
    assert fails and f"{D}._report._dmarc.{IDN}" in _text(fails)


@pytest.mark.parametrize("domain", [f"b%FFcher.{R}", f"a%2Fb.{R}"])
def test_it_keeps_escapes_that_decode_to_no_name_unusable(domain: str) -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:d@{domain}")
    assert _of(run, "DMARC-12", "fail"), _text(run.findings)


def test_it_names_the_non_ascii_characters_and_keeps_the_mailbox_in_uri_form() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:d\u015b@{R}")
    fails = _of(run, "DMARC-12", "fail")
    assert fails, _text(run.findings)
    text = _text(fails)
    assert "non-ASCII" in text and "U+015B" in text
    assert f"rua=mailto:d%C5%9B@{R}" in text  # the owner's mailbox, not an invented one
    assert "dmarc-reports@" not in text


def test_it_names_the_non_ascii_characters_of_a_u_label_domain() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:d@b\u00fccher.{R}")
    text = _text(_of(run, "DMARC-12", "fail"))
    assert "non-ASCII" in text and f"mailto:d@{IDN}" in text


def test_it_names_the_non_ascii_characters_of_a_ruf_address() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:a@{D}; ruf=mailto:d\u015b@{R}")
    warns = _of(run, "DMARC-12", "warn")
    assert warns and "non-ASCII" in _text(warns), _text(run.findings)
    assert f"ruf=mailto:d%C5%9B@{R}" in _text(warns)


def test_it_reads_an_ascii_escaped_mail_domain_as_before() -> None:
    run = _run(f"v=DMARC1; p=reject; rua=mailto:d@r%65ports.{R}")
    assert _of(run, "DMARC-12", "pass")
    assert (f"{D}._report._dmarc.reports.{R}", "TXT") in run.asked
