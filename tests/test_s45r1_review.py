# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s45r1: an owner's change saved through service.save_changes keeps all it changed.

Since s45e (7a8e7962) save_changes saves OWNER_FIELDS only, so that a copy never puts back what
the sync or the certificate watch wrote. A field an owner's change writes that the list misses
would be silently dropped. Each path that reaches save_changes (the settings form: mode,
max_age, extra patterns, with a plain _mta-sts TXT whose record_state moves on; set_mode, as
Switch to enforce calls it, to testing (testing_since) and to enforce; Stop hosting) is run,
and right after that save the row must hold every field as the change left it in memory.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_hosting import T0
from tests.test_hosting_s45e_alias_told import dns, start, team
from tests.test_reports_email import address  # noqa: F401 (fixture: example.com's)
from tests.test_reports_s45b_fixes import NAMED, NO_POLICY_DOMAIN


@pytest.mark.django_db
def test_s45r1_every_owner_change_saved_by_save_changes_is_in_the_row() -> None:
    domain, _, _ = team()
    state = start(False)
    real_save = HostedPolicy.save
    unsaved: list[tuple[str, list[str]]] = []

    def save(self: HostedPolicy, *args: Any, **kwargs: Any) -> None:
        real_save(self, *args, **kwargs)
        if kwargs.get("update_fields") is service.OWNER_FIELDS:
            row = HostedPolicy.objects.get(pk=self.pk)
            differs = [
                f.attname
                for f in HostedPolicy._meta.concrete_fields
                if getattr(row, f.attname) != getattr(self, f.attname)
            ]
            unsaved.append((self.mode, differs))

    with dns(state):
        policy = service.enable(domain, now=T0)
    HostedPolicy.objects.filter(pk=policy.pk).update(record_state="txt")
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    with mock.patch.object(HostedPolicy, "save", save):
        answer = client.post(
            reverse("hosting:update", args=[domain.code]),
            {"mode": "none", "max_age": "86400", "extra": "*.mx.example.net"},
        )
        assert answer.status_code == 302
        policy.refresh_from_db()
        service.set_mode(policy, HostedPolicy.Mode.TESTING)
        service.set_mode(policy, HostedPolicy.Mode.ENFORCE)
        assert client.post(reverse("hosting:disable", args=[domain.code])).status_code == 302
    policy.refresh_from_db()
    # The changes went through (a path that saved nothing would check nothing).
    assert (policy.mode, policy.max_age, policy.mx_extra) == (
        "enforce",
        86400,
        ["*.mx.example.net"],
    )
    assert policy.state == HostedPolicy.State.DISABLING and policy.release_at is not None
    assert policy.record_state == "stale"
    assert [mode for mode, _ in unsaved] == ["none", "testing", "enforce", "enforce"]
    assert all(not differs for _, differs in unsaved), unsaved


def _import(tmp_path: Path, address: ReportAddress, name: str, report: dict[str, Any]) -> str:
    """`report` imported by ingest_files from a file called `name`."""
    folder = tmp_path / str(len(list(tmp_path.iterdir())))
    folder.mkdir()
    (folder / name).write_bytes(gzip.compress(json.dumps(report).encode(), mtime=0))
    out = io.StringIO()
    call_command("ingest_files", str(folder), "--address", address.token, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
@pytest.mark.parametrize("beside", [False, True], ids=["alone", "beside-example.com"])
def test_s45r1_an_imported_files_name_still_names_its_domain_when_parsed_again(
    tmp_path: Path, address: ReportAddress, beside: bool
) -> None:
    """Since 6b32ac45 an imported file's RFC 8460 §5.1 name names the domain of a policy
    without policy-domain (mail.example.com at example.com's address). Parsed again
    (manage.py reparse, or a copy taking over from a rejected one), the row had only its
    body: the address's domain, so the report moved to example.com, or, beside example.com's
    own report of that report-id and day, its row became a 'resend ... with other counts'
    of that one, leaving its report without the copy it was counted from."""
    if beside:
        own = copy.deepcopy(NO_POLICY_DOMAIN)
        own["policies"][0]["policy"]["policy-domain"] = "example.com"
        own["policies"][0]["summary"]["total-successful-session-count"] = 10
        name = "sender.example!example.com!1780272000!1780358399!002.json.gz"
        assert _import(tmp_path, address, name, own) == "1 parsed"
    assert _import(tmp_path, address, NAMED, NO_POLICY_DOMAIN) == "1 parsed"
    stored = sorted(
        (r.pk, r.submitter, r.policy_domain, r.total_successful) for r in TlsReport.objects.all()
    )
    assert ("mail.example.com", 64) in [(d, n) for _, _, d, n in stored]
    pointed = [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")]
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert (
        sorted(
            (r.pk, r.submitter, r.policy_domain, r.total_successful)
            for r in TlsReport.objects.all()
        )
        == stored
    )
    rows = RawReport.objects.order_by("pk")
    assert [(r.parse_status, r.report_id) for r in rows] == pointed, [r.error for r in rows]
    report = TlsReport.objects.get(policy_domain="mail.example.com")
    assert any(f"from the report file's name {NAMED!r}" in w for w in report.warnings), (
        report.warnings
    )
