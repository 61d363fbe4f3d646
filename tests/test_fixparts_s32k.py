"""Task s32k: a Copy button copies exactly one thing a user pastes in one place.

Users paste what a Copy button gives straight into a DNS panel. Blind round s32c found the
MTA-STS setup fix copied as a whole: "Publish these three, in this order: …", the policy file,
then the record, so a paste carried prose. Every fix box now shows the steps in words and one
copy box per record (its type and name shown, its value copied, as the TLS-RPT record card
does) or per file (the policy file's content). The engine's fix text stays as it is: the CLI,
the API and the emails read it (tests/test_fix_texts.py).

tests/test_browser_s32k_copy.py reads the clipboard in chromium."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from checks.dns import txt_fix
from checks.mtasts import StsRecord, delegated, delete_record_fix, setup_fix
from mailsec.domains.fixparts import FixPart, boxes, fix_parts
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_accounts import LOCMEM
from tests.test_domains import scored_run
from tests.test_fix_texts import BASE, CASES, Case, D, findings_for, proposed_records
from tests.test_freecheck_s32c_blind import TARGET_ADDR, ZoneDNS, harness_for, mx_to
from tests.test_onboarding import _Page

PROSE = re.compile(r"\b(Publish|publish|Then|Last|Delete|in this order)\b|^\d\. ")


def kinds(parts: list[FixPart]) -> list[str]:
    return [p.kind for p in parts]


# --- The cutting itself, on the engine's own texts ---------------------------------------------


def test_s32k_the_mtasts_setup_is_words_one_file_and_one_record() -> None:
    fix = setup_fix("example.com", ["mx1.example.com", "mx2.example.com"])
    parts = fix_parts(fix)
    assert kinds(parts) == ["text", "text", "text", "file", "text", "record"], parts
    assert parts[0].text == "Publish these three, in this order:"
    assert parts[3].text == (
        "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: mx2.example.com\nmax_age: 604800"
    )
    record = parts[5]
    assert (record.rtype, record.name) == ("TXT", "_mta-sts.example.com")
    # The value, as a DNS panel's value field takes it: no name, no type, no quotes.
    assert re.fullmatch(r"v=STSv1; id=\d{8}T\d{6}", record.text), record.text
    # Nothing copyable is lost: each record of the text is one box.
    assert txt_fix("_mta-sts.example.com", record.text) in fix


def test_s32k_a_record_inside_a_sentence_is_a_box_of_its_own() -> None:
    raw = "v=STSv1; id=old"
    fix = delete_record_fix("_mta-sts.example.com", StsRecord(raw=raw))
    parts = fix_parts(fix)
    assert kinds(parts) == ["text", "record"]
    assert parts[0].text == "Delete this record (keep the valid one):"
    assert parts[1].text == raw


def test_s32k_an_alias_note_stays_words_after_the_record() -> None:
    fix = delegated(txt_fix("_mta-sts.example.com", "v=STSv1; id=1"), "example.com", "sts.host.net")
    parts = fix_parts(fix)
    assert kinds(parts) == ["record", "text"]
    assert (parts[0].name, parts[0].text) == ("sts.host.net", "v=STSv1; id=1")
    assert parts[1].text.startswith("(_mta-sts.example.com is an alias of sts.host.net")


def test_s32k_a_value_of_one_string_is_unquoted_a_longer_one_keeps_its_strings() -> None:
    short = fix_parts(txt_fix("example.com", 'v=spf1 a "quoted" \\ -all'))
    assert short[0].text == 'v=spf1 a "quoted" \\ -all'
    long_value = "v=spf1 " + " ".join(f"ip4:192.0.2.{n}" for n in range(40)) + " -all"
    assert len(long_value) > 255
    parts = fix_parts(txt_fix("example.com", long_value))
    assert kinds(parts) == ["record"]
    # Two strings: the form panels that refuse a string over 255 octets take (RFC 1035 §3.3.14).
    assert parts[0].text.startswith('"v=spf1 ') and '" "' in parts[0].text
    assert "".join(re.findall(r'"([^"]*)"', parts[0].text)) == long_value


def test_s32k_several_tlsa_records_are_several_boxes_with_different_names() -> None:
    qname = "_25._tcp.mx.example.com"
    fix = (
        "Publish these TLSA records:\n"
        f"{qname}. TLSA 3 1 1 {'ab' * 32}\n"
        f"{qname}. TLSA 3 1 1 {'cd' * 32}"
    )
    parts = boxes(fix, "fix-dane-1", "the fix for DANE-06")
    assert kinds(parts) == ["text", "record", "record"]
    assert [p.text for p in parts[1:]] == [f"3 1 1 {'ab' * 32}", f"3 1 1 {'cd' * 32}"]
    assert [p.copy_id for p in parts[1:]] == ["fix-dane-1", "fix-dane-1-2"]
    assert len({p.label for p in parts[1:]}) == 2


def test_s32k_prose_that_looks_like_a_record_is_words() -> None:
    fix = "Publish an MX record for example.com. A sender then finds it."
    assert kinds(fix_parts(fix)) == ["text"]


# --- The pages: every copy target holds one record's value or one file -------------------------


def copy_texts(page: str) -> dict[str, str]:
    parsed = _Page(page)
    return {t: parsed.copied(t) for t in parsed.copy_targets}


def assert_no_prose(copied: dict[str, str]) -> None:
    for target, text in copied.items():
        assert not PROSE.search(text), (target, text)
        assert " TXT " not in text, (target, text)
        if "\n" in text:
            assert text.startswith("version: STSv1\n"), (target, text)


def test_s32k_the_free_check_copies_the_record_not_the_prose(settings: Any, db: None) -> None:
    domain = "shop.example.com"
    records = {**mx_to(domain, "A", TARGET_ADDR), (domain, "TXT"): ['"v=spf1 mx -all"']}
    with harness_for(settings, ZoneDNS(records), lab=True) as h:
        h.post(domain)
        run = FreeCheck.objects.get()
        page = h.client.get(run.get_absolute_url()).content.decode()
    copied = copy_texts(page)
    fixes = {t: c for t, c in copied.items() if t.startswith("fix-")}
    assert_no_prose(fixes)
    values = set(fixes.values())
    assert f"version: STSv1\nmode: testing\nmx: mx.{domain}\nmax_age: 604800" in values, fixes
    assert any(re.fullmatch(r"v=STSv1; id=\d{8}T\d{6}", v) for v in values), fixes
    assert any(v.startswith("v=TLSRPTv1; rua=mailto:") for v in values), fixes
    assert any(v.startswith("v=DMARC1; p=") for v in values), fixes
    # The words and the names are shown, outside the boxes.
    text = html.unescape(page)
    assert "Publish these three, in this order:" in text
    assert f"TXT record at <code>_mta-sts.{domain}</code>" in text
    assert f"TXT record at <code>_dmarc.{domain}</code>" in text


@override_settings(CACHES=LOCMEM)
class DomainPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name=D, verified_at=timezone.now())

    def test_s32k_each_fix_box_copies_a_record_value_or_the_file(self) -> None:
        zone = {
            **BASE,
            (D, "TXT"): ["v=spf1 include:_spf.example.net ~all"],
            (f"_dmarc.{D}", "TXT"): "NXDOMAIN",
            (f"_mta-sts.{D}", "TXT"): "NXDOMAIN",
            (f"_smtp._tls.{D}", "TXT"): "NXDOMAIN",
        }
        run = scored_run(self.domain, findings_for(D, zone, {}))
        self.domain.set_last_run(run)
        page = self.client.get(f"/domains/{self.domain.code}/").content.decode()
        copied = copy_texts(page)
        fixes = {t: c for t, c in copied.items() if t.startswith("fix-")}
        self.assertTrue(fixes)
        assert_no_prose(fixes)
        ours = ReportAddress.for_domain(self.domain).rua_record(None)
        # The TLS-RPT record: the same value in the panel's box and in the card's.
        self.assertIn(ours, fixes.values())
        self.assertEqual(copied["tlsrpt-record"], ours)
        # Every record of every engine fix is offered, by its value (ours for TLS-RPT).
        for finding in run.findings:
            for part in fix_parts(finding.get("fix") or ""):
                if part.kind == "record" and part.name != f"_smtp._tls.{D}":
                    self.assertIn(part.text, fixes.values(), finding["id"])


@pytest.mark.parametrize(
    "fix",
    [
        setup_fix("example.com", ["mx1.example.com"]),
        txt_fix("_dmarc.example.com", "v=DMARC1; p=none"),
        "Renew the certificate of mx1.example.com before it expires.",
    ],
)
def test_s32k_a_fix_renders_with_one_copy_box_per_thing(fix: str) -> None:
    from django.template.loader import render_to_string

    parts = boxes(fix, "fix-x-1", "the fix for X-01")
    page = render_to_string("domains/_fix_parts.html", {"parts": parts})
    copied = copy_texts(page)
    assert list(copied.values()) == [p.text for p in parts if p.kind != "text"]
    assert_no_prose(copied)


# --- Every engine fix of the fix-text corpus (the lab scenarios and the extra cases) -----------


@pytest.mark.parametrize("case", CASES)
def test_s32k_every_record_of_every_fix_is_a_box_of_its_own(case: Case) -> None:
    """Each record line the engine proposes (as tests/test_fix_texts.py loads it) is one box,
    its value as the record's data; no record is left inside the words."""
    domain, zone, served, selectors = case.inputs()
    for finding in findings_for(domain, zone, served, selectors):
        if not finding.fix:
            continue
        parts = fix_parts(finding.fix)
        shown = [(p.name, p.rtype, p.text) for p in parts if p.kind == "record"]
        # A placeholder ("MX 10 <your mail server's host name>.") loads as no record data.
        lines = "\n".join(x for x in finding.fix.split("\n") if "<" not in x)
        for owner, rtype, rdata in proposed_records(lines):
            if rtype == "TXT":
                strings = [s.decode() for s in rdata.strings]
                value = strings[0] if len(strings) == 1 else rdata.to_text()
            else:
                value = rdata.to_text()
            wanted = (owner.rstrip("."), rtype, value)
            # to_text() writes some data in its own form ("3 1 1 ABCD" upper case): compare
            # those case-blind.
            assert any(
                (n, t) == wanted[:2] and (v == value or v.lower() == value.lower())
                for n, t, v in shown
            ), (finding.id, wanted, shown)
        for part in parts:
            if part.kind == "text":
                assert not re.search(r'\. TXT "', part.text), (finding.id, part.text)
            if part.kind == "file":
                assert part.text.startswith("version: STSv1\n"), (finding.id, part.text)
