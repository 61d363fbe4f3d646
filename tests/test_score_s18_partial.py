"""Round s18c: a partial score says how much of it was checked.

One SERVFAIL on a backup MX's address left MX, MTA-STS, STARTTLS, SPF, DNSSEC and DANE out of
the score (lab scenario s16o-mxaddrservfail: 70 of 100 points), and every surface read
"100/100 (partial…)" on DKIM, DMARC and TLS-RPT alone. docs/scoring.md rule 4 stays (what
could not be checked leaves the score, never fails): the words around the number change. The
findings below are those of the lab scenarios s16o-mxaddrservfail and s13t-only421, cut to
one or two per category.
"""

from __future__ import annotations

import io
import json
import re

from django.utils import timezone

from checks import cli, scoring
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import FreeCheckTestCase
from tests.test_freecheck_s9_results import page_text
from tests.test_webapp_extra2 import engine_run

E, P, INFO, F, NA = Status.ERROR, Status.PASS, Status.INFO, Status.FAIL, Status.NA


def f(
    check_id: str, status: Status, mech: Mechanism, summary: str = "", subject: str = ""
) -> Finding:
    return Finding(check_id, status, mech, summary or f"{check_id} {status}", subject=subject)


# s16o-mxaddrservfail: mx2's address lookup SERVFAILs; only DKIM, DMARC and TLS-RPT are whole.
MX_ADDR_SERVFAIL = [
    f("MX-01", P, Mechanism.MX),
    f("MX-06", E, Mechanism.MX, subject="mx2.s16olame-c.test"),
    f("MTASTS-01", P, Mechanism.MTASTS),
    f("MTASTS-32", E, Mechanism.MTASTS, subject="mx2.s16olame-c.test"),
    f("TLSRPT-01", P, Mechanism.TLSRPT),
    f("SMTP-01", P, Mechanism.SMTP, subject="mx1"),
    f("SMTP-01", E, Mechanism.SMTP, subject="mx2.s16olame-c.test"),
    f("SPF-01", P, Mechanism.SPF),
    f("SPF-20", E, Mechanism.SPF, subject="mx2.s16olame-c.test"),
    f("DKIM-06", P, Mechanism.DKIM),
    f("DMARC-05", P, Mechanism.DMARC),
    f("DNSSEC-01", P, Mechanism.DNSSEC),
    f("DNSSEC-09", E, Mechanism.DNSSEC, subject="mx2.s16olame-c.test"),
    f("DANE-01", P, Mechanism.DANE),
    f("DANE-02", E, Mechanism.DANE, subject="_25._tcp.mx2.s16olame-c.test"),
    f("BIMI-01", INFO, Mechanism.BIMI),
]

# s13t-only421: the only MX answers 421; no DKIM key found and no DANE (both not scored).
ONLY_421 = [
    f("MX-01", P, Mechanism.MX),
    f("MTASTS-01", P, Mechanism.MTASTS),
    f("MTASTS-32", E, Mechanism.MTASTS),
    f("TLSRPT-01", P, Mechanism.TLSRPT),
    f("SMTP-01", E, Mechanism.SMTP),
    f("SPF-01", P, Mechanism.SPF),
    f("DKIM-01", INFO, Mechanism.DKIM),
    f("DMARC-05", P, Mechanism.DMARC),
    f("DNSSEC-01", P, Mechanism.DNSSEC),
    f("DANE-01", INFO, Mechanism.DANE),
    f("BIMI-01", INFO, Mechanism.BIMI),
]

WHOLE = [g for g in ONLY_421 if g.status != E] + [
    f("SMTP-01", P, Mechanism.SMTP),
    f("DKIM-06", P, Mechanism.DKIM),
]


def report(findings: list[Finding], domain: str = "example.org") -> DomainReport:
    r = DomainReport(domain, findings=list(findings), duration_ms=5)
    scoring.apply(r)
    return r


def text(r: DomainReport) -> str:
    out = io.StringIO()
    cli.render_text(r, out, colour=False)
    return out.getvalue()


# The engine's numbers: what the rest of this file says in words.


def test_less_than_half_checked_is_100_on_30_of_100_points() -> None:
    r = report(MX_ADDR_SERVFAIL)
    assert r.score == 100  # unchanged: presentation only
    cover = scoring.coverage(r.score_detail)
    assert (cover.checked, cover.of, cover.enough, cover.complete) == (30, 100, False, False)
    assert cover.not_checked_titles == [
        "MX records", "MTA-STS", "STARTTLS on the MX hosts", "SPF", "DNSSEC", "DANE"
    ]  # fmt: skip


def test_categories_not_scored_by_design_are_not_missing() -> None:
    # No DKIM key and no DANE are known and left out by the rubric: not "could not be checked".
    cover = scoring.coverage(report(ONLY_421).score_detail)
    assert (cover.checked, cover.of, cover.enough) == (45, 85, True)


# The CLI.


def test_the_cli_headline_says_not_enough_was_checked() -> None:
    first = text(report(MX_ADDR_SERVFAIL)).splitlines()[0]
    assert first.startswith(
        "example.org  not enough checked for a score: 100/100 for the 30 of 100 points that "
        "could be checked (partial: MX records, MTA-STS, STARTTLS on the MX hosts, SPF, DNSSEC "
        "and DANE could not be checked)"
    ), first


def test_the_cli_headline_says_how_much_was_checked() -> None:
    first = text(report(ONLY_421)).splitlines()[0]
    assert (
        "score 100/100 for the 45 of 85 points that could be checked (partial: MTA-STS and "
        "STARTTLS on the MX hosts could not be checked)"
    ) in first, first


def test_a_complete_score_reads_as_before() -> None:
    first = text(report(WHOLE)).splitlines()[0]
    assert re.match(r"example\.org  score 100/100  \[score v\d+\]$", first), first


def test_an_error_outside_the_score_says_so() -> None:
    r = report([*WHOLE, f("BIMI-09", E, Mechanism.BIMI)])
    first = text(r).splitlines()[0]
    assert "score 100/100 (partial: some checks could not run, none that the score counts)" in first


def test_the_json_says_how_much_was_checked_and_keeps_its_keys() -> None:
    data = json.loads(json.dumps(cli.json_object(report(MX_ADDR_SERVFAIL))))
    assert data["score_coverage"] == {"checked": 30, "of": 100, "enough": False}
    assert data["score"] == 100 and data["score_detail"]["partial"] is True
    assert {"counted_categories", "receives_no_mail", "looks_like_host_of"} <= set(data)
    # No DANE is not scored (docs/scoring.md): its 5 points are in neither number.
    assert cli.json_object(report(WHOLE))["score_coverage"] == {
        "checked": 95, "of": 95, "enough": True
    }  # fmt: skip


def test_a_failing_bimi_beside_100_is_said_to_be_never_scored() -> None:
    # x45 / s12b-svgscript: a BIMI failure under "score 100/100" with no word about it.
    out = text(report([*WHOLE, f("BIMI-09", F, Mechanism.BIMI, "The logo is not SVG Tiny PS.")]))
    line = next(x for x in out.splitlines() if x.startswith("  not counted:"))
    assert line.endswith("; BIMI (never scored)"), line
    # BIMI that only informs adds nothing to the line.
    assert "BIMI" not in next(
        x for x in text(report(WHOLE)).splitlines() if x.startswith("  not counted:")
    )


def test_not_counted_reasons_have_no_nested_parentheses() -> None:
    out = text(report(ONLY_421))
    line = next(x for x in out.splitlines() if x.startswith("  not counted:"))
    assert "DKIM (not deployed, not scored)" in line and "DANE (not deployed, not scored)" in line
    assert "((" not in line and "))" not in line


def test_identical_lines_are_printed_once() -> None:
    # f01: DANE-03 is emitted once per MX host with TLSA records (checks/dane.py), the same
    # words about the domain each time; an unsigned zone gets five DNSSEC "nothing to check"
    # rows with other check ids.
    unsigned = [
        f(i, NA, Mechanism.DNSSEC, "example.org is not signed; nothing to check.", "example.org")
        for i in ("DNSSEC-02", "DNSSEC-03", "DNSSEC-04", "DNSSEC-05", "DNSSEC-06")
    ]
    dane03 = f("DANE-03", P, Mechanism.DANE, "The MX records are DNSSEC-secure.", "example.org")
    out = text(report([*WHOLE, dane03, dane03, *unsigned]))
    assert out.count("The MX records are DNSSEC-secure.") == 1
    assert "DANE-03    The MX records are DNSSEC-secure. [example.org] (×2)" in out
    assert out.count("is not signed; nothing to check.") == 1
    assert (
        "NA    DNSSEC-02  example.org is not signed; nothing to check. [example.org] "
        "(also DNSSEC-03, DNSSEC-04, DNSSEC-05, DNSSEC-06)"
    ) in out
    # The JSON keeps every finding.
    assert (
        len([g for g in cli.json_object(report(unsigned))["findings"] if g["status"] == "na"]) == 5
    )


# The pages.


class PagesTestCase(FreeCheckTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )

    def domain_page(self, findings: list[Finding]) -> tuple[str, str]:
        run = engine_run(self.domain, findings, hours_ago=0)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        content = self.client.get(f"/domains/{self.domain.code}/").content
        return content.decode(), page_text(content)

    def free_check(self, findings: list[Finding]) -> tuple[str, str]:
        check = FreeCheck.objects.create(
            domain="example.org",
            status=FreeCheck.State.DONE,
            report=report(findings).to_dict(),
            started=timezone.now(),
            finished=timezone.now(),
        )
        content = self.client.get(check.get_absolute_url()).content
        return content.decode(), page_text(content)

    def test_the_domain_page_shows_no_big_number_when_too_little_was_checked(self) -> None:
        html, words = self.domain_page(MX_ADDR_SERVFAIL)
        self.assertNotRegex(html, r'class="score-big [^"]*"[^>]*>100<')
        self.assertIn(
            "Not enough could be checked for a score : 100/100 for the 30 of 100 points that "
            "could be checked. MX records, MTA-STS, STARTTLS on the MX hosts, SPF, DNSSEC and "
            "DANE could not be checked",
            words,
        )

    def test_the_domain_page_says_how_much_of_the_score_was_checked(self) -> None:
        html, words = self.domain_page(ONLY_421)
        self.assertRegex(html, r'class="score-big [^"]*"[^>]*>100<')
        self.assertIn(
            "/ 100 for the 45 of 85 points that could be checked · partial: MTA-STS and "
            "STARTTLS on the MX hosts could not be checked",
            words,
        )
        self.assertNotIn("some checks could not be made", words)

    def test_the_chart_title_says_how_many_points_a_partial_run_left_out(self) -> None:
        html, _ = self.domain_page(ONLY_421)
        circle = re.search(r"<circle [^>]*>.*?</circle>", html, re.S)
        assert circle is not None
        self.assertIn(
            "(partial: MTA-STS, STARTTLS on the MX hosts could not be checked, 40 points left "
            "out of the score)",
            circle.group(0),
        )

    def test_the_free_check_shows_no_big_number_when_too_little_was_checked(self) -> None:
        html, words = self.free_check(MX_ADDR_SERVFAIL)
        self.assertNotRegex(html, r'class="fc-score-value[^"]*">100<')
        self.assertIn(
            "Not enough could be checked for a score : 100/100 for the 30 of 100 points that "
            "could be checked.",
            words,
        )

    def test_the_free_check_says_how_much_of_the_score_was_checked(self) -> None:
        html, words = self.free_check(ONLY_421)
        self.assertRegex(html, r'class="fc-score-value[^"]*">100<')
        self.assertIn(
            "Partial: the score is for the 45 of 85 points that could be checked; MTA-STS and "
            "STARTTLS on the MX hosts could not be checked",
            words,
        )

    def test_an_error_outside_the_score_is_said_to_change_nothing(self) -> None:
        _, words = self.free_check([*WHOLE, f("BIMI-09", E, Mechanism.BIMI)])
        self.assertIn("Partial: some checks could not run, none that the score counts.", words)
        _, words = self.domain_page([*WHOLE, f("BIMI-09", E, Mechanism.BIMI)])
        self.assertIn("partial: some checks could not run, none that the score counts", words)
