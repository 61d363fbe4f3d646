"""The domain page's TLS-RPT record for a monitored domain (s21): the engine's fix is shown with
our report addresses in place of its example mailbox (views._panels).

- The owner's addresses are kept as the engine's fix keeps them (tlsrpt.usable_rua): an address
  written with its tag again ("rua=…,rua=https://…"), a bare one, one with a final dot.
- With `_smtp._tls.<domain>` an alias (CNAME), the engine writes the record at the alias target
  (a TXT record cannot sit beside a CNAME, RFC 1034 §3.6.2); the page puts ours there too,
  with the owner's addresses found at the target.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from checks import https, mtasts, starttls, tlsrpt
from checks.dns import txt_fix
from checks.tlsrpt import parse_tlsrpt_record, record_fix
from mailsec.accounts.models import Team
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

pytestmark = pytest.mark.django_db

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.provider.example."],
    ("mx1.provider.example", "A"): ["192.0.2.11"],
    ("y.example", "MX"): ["10 mx1.provider.example."],
    ("msp.example", "MX"): ["10 mx1.provider.example."],
    ("rpt.example.net", "A"): ["192.0.2.20"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
}
POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.provider.example\r\nmax_age: 604800\r\n"
TARGET = "_smtp._tls.msp.example"
ALIAS = {"_smtp._tls.example.org": TARGET}


@pytest.fixture(autouse=True)
def site(settings: Any) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"


def engine_findings(
    monkeypatch: pytest.MonkeyPatch,
    zone: dict[tuple[str, str], list[str] | str],
    cnames: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """MTA-STS and TLS-RPT findings of example.org over a stand-in DNS, as a run stores them."""

    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status = 200
        result.headers = {"content-type": "text/plain; charset=utf-8"}
        result.body = POLICY.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> Any:
        return FakeProbe()

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    ctx = make_ctx("example.org", zone, cnames=cnames)

    async def run() -> list[Any]:
        return [*await mtasts.evaluate(ctx), *await tlsrpt.evaluate(ctx)]

    return [f.to_dict() for f in asyncio.run(run())]


def page_fixes(findings: list[dict[str, Any]]) -> tuple[dict[str, str], str]:
    """({check id: the fix the domain page shows}, our report address's token)."""
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.org", verified_at=timezone.now()
    )
    token = ReportAddress.for_domain(domain).token
    run = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, finished=timezone.now(), findings=findings
    )
    domain.last_run = run
    domain.save(update_fields=["last_run"])
    client = Client()
    client.force_login(owner)
    response = client.get(f"/domains/{domain.code}/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    shown = {}
    for finding in findings:
        if finding["fix"]:
            # The first finding with the id: the ones asserted on here occur once.
            shown[finding["id"]] = _fix_of(page, finding["id"])
    return shown, token


def _fix_of(page: str, check_id: str) -> str:
    """The fix shown for `check_id`, read back as the engine writes it: since task s32k the
    words are paragraphs and each record a box (type and name in its head, the value copied),
    here a zone-file line again."""
    end = page.index(f'the fix for {check_id}"')
    start = page.rindex('<div class="fix">', 0, end)
    lines = []
    block = page[start : page.index("</article>", start)]
    for step, rtype, name, value in re.findall(
        r'<p class="fix-step">(.*?)</p>|<span>(\w+) record at <code>([^<]+)</code></span>'
        r'.*?<pre class="record" id="[^"]+">(.*?)</pre>',
        block,
        re.S,
    ):
        if step:
            lines.append(step)
        elif rtype == "TXT":
            lines.append(txt_fix(name, value))
        else:
            lines.append(f"{name}. {rtype} {value}")
    return "\n".join(lines)


def ours(token: str) -> str:
    return f"mailto:tlsrpt+{token}@in.mailsec.example,https://mailsec.example/tlsrpt/{token}"


# 1. The owner's addresses, as the engine's fix keeps them -------------------------------------

REPEATED = "v=TLSRPTv1; rua=mailto:a@y.example,rua=https://rpt.example.net/v1"


@pytest.mark.parametrize(
    "published",
    [
        REPEATED,
        "v=TLSRPTv1; rua=mailto:a@y.example,rua=rua=https://rpt.example.net/v1",
        "v=TLSRPTv1; rua=mailto:a@y.example,rua=b@y.example",
        "v=TLSRPTv1; rua=mailto:a@y.example,b@y.example",
        "v=TLSRPTv1; rua=mailto:a@y.example.",
        "v=TLSRPTv1; rua=mailto:tls@bücher.example",
        "v=TLSRPTv1; rua=mailto:a@y.example!10m",
        "v=TLSRPTv1; rua=mailto:a@y.example,http://r.example/,mailto:a b@y.example",
        "V=TLSRPTv1; RUA=mailto:a@y.example",
    ],
)
def test_our_record_keeps_what_the_engines_fix_keeps(published: str) -> None:
    address = ReportAddress(token="t0k", domain_name="example.org")
    engine = record_fix("example.org", [parse_tlsrpt_record(published)])
    kept = engine.partition("rua=")[2].rstrip('"').split(",")
    assert address.rua_record(published) == f"v=TLSRPTv1; rua={','.join(kept)},{ours('t0k')}"


def test_the_page_keeps_an_address_written_after_a_repeated_tag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {**ZONE, ("_smtp._tls.example.org", "TXT"): [f'"{REPEATED}"']}
    shown, token = page_fixes(engine_findings(monkeypatch, zone))
    assert shown["TLSRPT-06"] == (
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; '
        f'rua=mailto:a@y.example,https://rpt.example.net/v1,{ours(token)}"'
    )


# 2. _smtp._tls an alias: our record at the target --------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {},  # the target does not exist
        {(TARGET, "TXT"): ['"v=spf1 -all"']},  # it exists, with no TLS-RPT record
    ],
)
def test_with_nothing_behind_the_alias_our_record_goes_at_the_target_or_the_name(
    monkeypatch: pytest.MonkeyPatch, extra: dict[tuple[str, str], list[str]]
) -> None:
    findings = engine_findings(monkeypatch, {**ZONE, **extra}, ALIAS)
    shown, token = page_fixes(findings)
    record = f'"v=TLSRPTv1; rua={ours(token)}"'
    for check_id in ("TLSRPT-01", "MTASTS-34"):
        [engine] = [f["fix"] for f in findings if f["id"] == check_id]
        lines = shown[check_id].splitlines()
        # The engine's words (publish at the target, whoever runs it, or delete the alias)...
        assert lines[0] == engine.splitlines()[0]
        assert f"publish the record at {TARGET} (whoever runs it does)" in lines[0]
        assert "delete the alias" in lines[0]
        # ...with our record in place of the example mailbox, at each name it offers.
        assert lines[1:] == [
            f"{TARGET}. TXT {record}",
            "Or, with the alias deleted:",
            f"_smtp._tls.example.org. TXT {record}",
        ]
        assert "tls-reports@" not in shown[check_id]


def test_the_owners_record_at_the_alias_target_gets_ours_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The owner's record at the target, with a fault of its own (a stray comma, TLSRPT-07).
    at_target = "v=TLSRPTv1; rua=mailto:tls@msp.example,,https://rpt.example.net/v1"
    zone = {**ZONE, (TARGET, "TXT"): [f'"{at_target}"']}
    findings = engine_findings(monkeypatch, zone, ALIAS)
    shown, token = page_fixes(findings)
    [engine] = [f["fix"] for f in findings if f["id"] == "TLSRPT-07"]
    assert engine.startswith(f"{TARGET}. TXT ")
    lines = shown["TLSRPT-07"].splitlines()
    assert lines[0] == (
        f'{TARGET}. TXT "v=TLSRPTv1; '
        f'rua=mailto:tls@msp.example,https://rpt.example.net/v1,{ours(token)}"'
    )
    # The engine's note on where the record is changed stays.
    assert lines[1:] == engine.splitlines()[1:]
    assert "whoever runs it" in lines[1]
    assert "_smtp._tls.example.org. TXT" not in shown["TLSRPT-07"]


def test_without_an_alias_the_record_is_swapped_at_the_name_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown, token = page_fixes(engine_findings(monkeypatch, ZONE))
    record = f'"v=TLSRPTv1; rua={ours(token)}"'
    assert shown["TLSRPT-01"] == f"_smtp._tls.example.org. TXT {record}"
    assert shown["MTASTS-34"] == f"_smtp._tls.example.org. TXT {record}"
