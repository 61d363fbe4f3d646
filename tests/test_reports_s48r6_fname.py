# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s48r6 of s48g's gzip FNAME (8a136be2), the names a sender may write in a gzip header
that s48g's tests did not build. All held on review (no code changed): a Windows path ending
in an RFC 8460 §5.1 name names its domain and is shown as written, escaped; a path to a name
that is no §5.1 name is the report address's; a name of a domain the address is not for
files the report under that domain, kept but not counted, and says so; control and bidi
characters in the name are shown escaped (repr), never raw."""

from __future__ import annotations

import pytest
from django.test import Client

from reports.models import ReportAddress
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s48g_gzip_name import gzipped, posted, said

pytestmark = pytest.mark.django_db

TAIL = "!1780272000!1780358399!001.json"


def test_s48r6_a_windows_path_fname_names_its_file(client: Client, address: ReportAddress) -> None:
    fname = f"C:\\tmp\\sender.example!mail.example.com{TAIL}"
    report = posted(client, address, gzipped(fname))
    assert (report.policy_domain, report.counted) == ("mail.example.com", True)
    assert f"from the report file's name {fname!r}" in said(report)


def test_s48r6_a_path_to_no_5_1_name_is_the_addresss(
    client: Client, address: ReportAddress
) -> None:
    report = posted(client, address, gzipped("C:\\tmp\\x.json"))
    assert (report.policy_domain, report.counted) == ("example.com", True)
    assert "using example.com from the report address" in said(report)


def test_s48r6_a_name_of_another_domain_is_kept_not_counted(
    client: Client, address: ReportAddress
) -> None:
    report = posted(client, address, gzipped(f"sender.example!unrelated.org{TAIL}"))
    assert (report.policy_domain, report.counted) == ("unrelated.org", False)
    assert any("This report is about unrelated.org, not example.com" in w for w in report.warnings)


def test_s48r6_control_and_bidi_characters_are_shown_escaped(
    client: Client, address: ReportAddress
) -> None:
    fname = f"sender\u202e\x01.example!mail.example.com{TAIL}"
    data = gzipped(None)
    # FLG.FNAME set by hand: Python's gzip writes no FNAME it cannot encode in Latin-1.
    body = data[:3] + bytes([data[3] | 0x08]) + data[4:10] + fname.encode() + b"\0" + data[10:]
    report = posted(client, address, body)
    assert report.policy_domain == "mail.example.com"
    text = said(report)
    assert "\u202e" not in text and "\x01" not in text
    assert "sender\\u202e\\x01.example" in text
