"""The JSON of `mailsec check --json` and of the free-check API says when a domain receives no
mail (a null MX, RFC 7505; checklist MX-03) and what its score rates, as the CLI's text, the
free check's page and the domain page say it in words ("n/a — receives no mail", "100/100 for
what applies: …"). The JSON gave `"score": 100` for a signed null-MX domain with no flag, which
a script or dashboard reads as perfect mail security.

The engine runs against an in-memory DNS (no network, no lab)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from checks.cli import json_object, main
from checks.findings import MECHANISM_TITLES, DomainReport, Mechanism
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import FreeCheckTestCase
from tests.test_freecheck_s9_results import NULL_MX, engine_report, fake_dns, signed
from tests.test_mx import FakeDns

OPTIONS = ["--resolver", "127.0.0.1:9", "--timeout", "0.3"]

# The same domain receiving mail at an MX of its own: transport security applies.
WITH_MX = {
    ("nomail.example.org", "MX"): ["10 mx.nomail.example.org."],
    ("nomail.example.org", "TXT"): ['"v=spf1 mx -all"'],
    ("_dmarc.nomail.example.org", "TXT"): ['"v=DMARC1; p=reject"'],
}
TRANSPORT = {"mta-sts", "tls-rpt", "smtp", "dane"}
# What counts for a domain that receives mail (DANE only once its zone is signed).
COUNTED_WITH_MX = {"mta-sts", "tls-rpt", "smtp"}


@pytest.fixture(autouse=True)
def _no_lab_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAILSEC_ALLOW_PRIVATE_TARGETS", "MAILSEC_EXTRA_PUBLIC_SUFFIXES"):
        monkeypatch.delenv(name, raising=False)


def cli(dns: dict[tuple[str, str], Any], *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    with fake_dns(FakeDns(dns)):
        main(["nomail.example.org", *args, *OPTIONS])
    return capsys.readouterr().out


def counted_in_detail(data: dict[str, Any]) -> list[str]:
    """The categories score_detail marks as counted with a weight, in the rubric's order."""
    categories = data["score_detail"]["categories"]
    return [
        str(m)
        for m in Mechanism
        if categories.get(str(m), {}).get("counted") and categories[str(m)].get("weight")
    ]


def test_the_cli_json_flags_a_domain_that_receives_no_mail(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = json.loads(cli(NULL_MX, "--json", capsys=capsys))
    assert data["receives_no_mail"] is True
    assert isinstance(data["score"], int)  # the number is kept, for what it rates
    assert data["counted_categories"] == counted_in_detail(data)
    assert not TRANSPORT & set(data["counted_categories"])
    # The same categories the text output names after "for what applies".
    text = cli(NULL_MX, capsys=capsys)
    titles = ", ".join(MECHANISM_TITLES[Mechanism(m)] for m in data["counted_categories"])
    assert f"{data['score']}/100 for what applies: {titles}." in text


def test_the_cli_json_of_a_domain_with_an_mx_is_not_flagged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = json.loads(cli(WITH_MX, "--json", capsys=capsys))
    assert data["receives_no_mail"] is False
    assert data["counted_categories"] == counted_in_detail(data)
    assert set(data["counted_categories"]) >= COUNTED_WITH_MX
    assert "receives no mail" not in cli(WITH_MX, capsys=capsys)


def test_a_report_that_could_not_be_made_has_the_keys_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(FakeDns({})):
        main(["printer.local", "--json", *OPTIONS])  # refused before any lookup
    data = json.loads(capsys.readouterr().out)
    assert data["error"] and data["receives_no_mail"] is False
    assert data["counted_categories"] == []


class ApiTestCase(FreeCheckTestCase):
    def ask(self, dns: dict[tuple[str, str], Any]) -> dict[str, Any]:
        """The API's answer for a check it runs itself, the engine on `dns`."""
        with fake_dns(FakeDns(dns)):
            response = self.client.get("/api/v1/check", {"domain": "nomail.example.org"})
        assert response.status_code == 200, response.content
        data: dict[str, Any] = response.json()
        return data

    def test_the_api_flags_a_domain_that_receives_no_mail(self) -> None:
        data = self.ask(NULL_MX)
        assert data["receives_no_mail"] is True
        assert data["counted_categories"] == counted_in_detail(data)
        assert not TRANSPORT & set(data["counted_categories"])
        # The report page of the same run says it in words.
        check = FreeCheck.objects.get()
        assert check.receives_no_mail
        page = self.client.get(check.get_absolute_url()).content.decode()
        assert "nomail.example.org receives no mail" in page

    def test_the_api_of_a_domain_with_an_mx_is_not_flagged(self) -> None:
        data = self.ask(WITH_MX)
        assert data["receives_no_mail"] is False
        assert set(data["counted_categories"]) >= COUNTED_WITH_MX

    def test_a_run_stored_before_answers_with_the_keys_and_as_the_cli_does(self) -> None:
        """A signed null-MX domain scores 100 on what applies: the flag is what tells it from
        a domain whose mail is secure. A recent run, stored as the report alone, is answered
        with the same object the CLI prints."""
        report: DomainReport = signed(engine_report("nomail.example.org", FakeDns(NULL_MX)))
        assert report.score == 100
        now = timezone.now()
        FreeCheck.objects.create(
            domain=report.domain,
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            started=now,
            finished=now,
        )
        response = self.client.get("/api/v1/check", {"domain": "nomail.example.org"})
        assert response.status_code == 200
        data = response.json()
        assert data["score"] == 100 and data["receives_no_mail"] is True
        assert data == json.loads(json.dumps(json_object(report)))
