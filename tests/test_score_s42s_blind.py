"""Blind round s42s: the score as docs/scoring.md documents it.

tests/data/score_s42s_blind.json was written from docs/scoring.md alone (the rubric, its rules,
"What the score says about itself", "How a partial score is shown", the versions), before
checks/scoring.py was read. Each case names, per category, the findings in the doc's words
(a check id and status, or ABSENT / NOT_SCORED / NOKEY_GIVEN / MODE_NONE / NA); this file
turns those words into the engine's findings, scores them with checks.scoring.compute, and
compares the score, score_detail, score_coverage, the CLI's headline and the domain page's
score block with the expectations. The run cases check the version stored with a run, the
history chart's version mark and the public rubric page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from checks import cli, scoring
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.domains.models import CheckRun, Domain
from mailsec.scoring.chart import build_chart
from tests.test_domains import DomainTestCase, scored_run

DATA = json.loads((Path(__file__).parent / "data" / "score_s42s_blind.json").read_text())
CASES = {c["name"]: c for c in DATA["cases"]}
RUNS = {r["name"]: r for r in DATA["runs"]}

# The doc's category names, as the engine's mechanisms and check-id prefixes.
MECH = {
    "MTA-STS": (Mechanism.MTASTS, "MTASTS"),
    "STARTTLS": (Mechanism.SMTP, "SMTP"),
    "DMARC": (Mechanism.DMARC, "DMARC"),
    "SPF": (Mechanism.SPF, "SPF"),
    "DKIM": (Mechanism.DKIM, "DKIM"),
    "DNSSEC": (Mechanism.DNSSEC, "DNSSEC"),
    "TLS-RPT": (Mechanism.TLSRPT, "TLSRPT"),
    "MX": (Mechanism.MX, "MX"),
    "DANE": (Mechanism.DANE, "DANE"),
    "BIMI": (Mechanism.BIMI, "BIMI"),
}


def _words(cat: str, word: str) -> list[Finding]:
    """A finding of the doc's words as the engine makes it (the ids and evidence the engine
    gives each situation: checks/mtasts.py, dkim.py, dane.py and the others)."""
    mech, prefix = MECH[cat]
    if word == "ABSENT":  # "not deployed": no record, an unsigned zone
        return [Finding(f"{prefix}-01", Status.INFO, mech, f"No {cat} record.")]
    if word == "NOT_SCORED":  # no TLSA records; no DKIM key at the guessed selectors
        return [Finding(f"{prefix}-01", Status.INFO, mech, f"No {cat} found.")]
    if word == "NOKEY_GIVEN":
        return [
            Finding(
                "DKIM-01",
                Status.INFO,
                mech,
                "No DKIM key at the selectors you gave.",
                evidence={"given_without_key": ["s1"]},
            )
        ]
    if word == "MODE_NONE":
        return [
            Finding("MTASTS-01", Status.PASS, mech, "MTA-STS record found."),
            Finding("MTASTS-33", Status.INFO, mech, "mode: none", evidence={"mode": "none"}),
        ]
    if word == "NA":
        return [Finding(f"{prefix}-01", Status.NA, mech, f"{cat} does not apply.")]
    ident, rest = word.split(":", 1)
    status, _, subject = rest.partition("@")
    return [Finding(ident, Status(status), mech, f"{ident} {status}", subject)]


def findings_of(case: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for cat, (_mech, prefix) in MECH.items():
        words = case["categories"].get(cat)
        if words is None:  # as good as the doc's rubric asks: one pass
            words = [f"{prefix}-02:pass"]
        for word in words:
            out.extend(_words(cat, word))
    if case.get("nxdomain"):
        for f in out:
            if f.id == "MX-01":
                f.evidence[scoring.DOES_NOT_EXIST] = True
    return out


def report_of(case: dict[str, Any]) -> DomainReport:
    report = DomainReport(domain="example.org", findings=findings_of(case))
    scoring.apply(report)
    return report


def _check_detail(case: dict[str, Any]) -> list[str]:
    """What differs between the case's expectations and the score's own account of itself."""
    exp = case["expect"]
    report = report_of(case)
    score, detail = report.score, report.score_detail
    cover = scoring.coverage(detail)
    wrong: list[str] = []

    def want(what: str, got: object, expected: object) -> None:
        if got != expected:
            wrong.append(f"{what}: got {got!r}, expected {expected!r}")

    if "score" in exp:
        want("score", score, exp["score"])
    if "partial" in exp:
        want("partial", detail.get("partial"), exp["partial"])
    if "does_not_exist" in exp:
        want("does_not_exist", bool(detail.get(scoring.DOES_NOT_EXIST)), exp["does_not_exist"])
    if "not_checked" in exp:
        want(
            "not_checked",
            sorted(detail.get("not_checked", [])),
            sorted(str(MECH[c][0]) for c in exp["not_checked"]),
        )
    if "errors" in exp:
        want("errors", detail.get("errors"), sorted(exp["errors"]))
    if "coverage" in exp:
        want("score_coverage", cover.to_dict(), exp["coverage"])
        want(
            "score_scope.score_coverage",
            scoring.score_scope(detail, [f.id for f in report.findings])["score_coverage"],
            exp["coverage"],
        )
    if "counted_weight" in exp:
        want("counted weight", cover.checked, exp["counted_weight"])
    for cat, cexp in exp.get("cats", {}).items():
        got = detail["categories"][str(MECH[cat][0])]
        if "counted" in cexp:
            want(f"{cat} counted", got["counted"], cexp["counted"])
        if "earned" in cexp:
            want(f"{cat} earned", got["points"], cexp["earned"])
        if "lost" in cexp:
            want(f"{cat} lost", got["lost"], cexp["lost"])
        if "score_lost" in cexp:
            want(f"{cat} score_lost", got.get("score_lost"), cexp["score_lost"])
        if "reason_has" in cexp and cexp["reason_has"] not in got["reason"]:
            wrong.append(f"{cat} reason {got['reason']!r} lacks {cexp['reason_has']!r}")
        for ident in cexp.get("ids_have", []):
            if ident not in got["costs"]:
                wrong.append(f"{cat} costs {got['costs']!r} lack {ident}")
    if "score_lost_sum" in exp:
        total = sum(c.get("score_lost", 0) for c in detail["categories"].values())
        want("sum of score_lost", round(total, 1), exp["score_lost_sum"])
    if detail.get("checks_release") != scoring.CHECKS_RELEASE:
        wrong.append("score_detail lacks checks_release")
    # The CLI's first line.
    no_mail = cli.receives_no_mail(report)
    line = cli.headline(report, no_mail)
    if "cli_starts" in exp:
        if not line.startswith(exp["cli_starts"]):
            wrong.append(f"CLI headline {line!r} does not start {exp['cli_starts']!r}")
    elif exp.get("headline") == "n/a":
        if not line.startswith("score n/a"):
            wrong.append(f"CLI headline {line!r} is not 'score n/a'")
    elif "headline" in exp and not line.startswith(f"score {exp['headline']}/100"):
        wrong.append(f"CLI headline {line!r} is not 'score {exp['headline']}/100'")
    return wrong


@pytest.mark.parametrize("name", list(CASES))
def test_score_and_its_account(name: str) -> None:
    wrong = _check_detail(CASES[name])
    assert not wrong, "\n".join(wrong)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


PAGE_KEYS = (
    "headline",
    "headline_has",
    "sentence_has",
    "weights_note",
    "number_for_what_applies",
    "page_lacks",
)


class DomainPageTestCase(DomainTestCase):
    """The domain page's score block: the number in big type (or n/a), the words beside it,
    and the note on how a category's points become the score's."""

    def page_wrong(self, case: dict[str, Any]) -> list[str]:
        exp = case["expect"]
        CheckRun.objects.filter(domain=self.domain).delete()
        run = scored_run(self.domain, findings_of(case))
        domain = Domain.objects.get(pk=self.domain.pk)
        domain.set_last_run(run)  # as a finished check does: the row keeps its null MX
        self.client.force_login(self.alice)
        html = self.client.get(reverse("domains:details", args=[self.domain.code])).content
        html = html.decode()
        block = re.search(r'<section class="summary card"[^>]*>(.*?)</section>', html, re.S)
        assert block is not None, "no score block"
        # The big number and "/ 100 for the ..." are two spans: read "100 / 100" as the
        # doc writes it, "100/100".
        text = re.sub(r"(\d) / 100", r"\1/100", text_of(block.group(1)))
        big = re.search(r'<span class="score-big[^"]*"[^>]*>([^<]*)</span>', block.group(1))
        wrong: list[str] = []
        if "headline" in exp:
            got = big.group(1).strip() if big else None
            if got != exp["headline"]:
                wrong.append(f"big number {got!r}, expected {exp['headline']!r}")
        for key in ("headline_has", "sentence_has"):
            if key in exp and exp[key] not in text:
                wrong.append(f"{exp[key]!r} not beside the score: {text[:600]!r}")
        if "number_for_what_applies" in exp:
            words = f"{exp['number_for_what_applies']}/100 for what applies"
            if words not in text:
                wrong.append(f"{words!r} not beside the score: {text[:600]!r}")
        if "page_lacks" in exp and exp["page_lacks"] in text:
            wrong.append(f"{exp['page_lacks']!r} beside the score: {text[:600]!r}")
        if "weights_note" in exp:
            if exp["weights_note"] is None:
                if "scaled to 100" in text:
                    wrong.append("a weights note where all 100 count")
            elif exp["weights_note"] not in text:
                wrong.append(f"no {exp['weights_note']!r}: {text[:900]!r}")
        return wrong

    def test_the_page_shows_what_the_doc_says(self) -> None:
        failures = {}
        for name, case in CASES.items():
            if any(k in case["expect"] for k in PAGE_KEYS):
                wrong = self.page_wrong(case)
                if wrong:
                    failures[name] = wrong
        assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)

    def test_the_api_and_the_list_say_the_same(self) -> None:
        """/api/v1/domains gives a domain's score as its row in the list decides it
        (mailsec.api.answers.score_of): n/a (null) where the page shows n/a, with why."""
        from mailsec.api.answers import score_of

        failures = {}
        for name, case in CASES.items():
            exp = case["expect"]
            if "headline" not in exp:
                continue
            CheckRun.objects.filter(domain=self.domain).delete()
            domain = Domain.objects.get(pk=self.domain.pk)
            domain.set_last_run(scored_run(domain, findings_of(case)))
            score = score_of(domain)
            if exp["headline"] != "n/a":
                cover = exp.get("coverage")
                status = "partial" if cover and cover["checked"] != cover["of"] else "scored"
                want = (int(exp["headline"]), status)
            elif "receives no mail" in exp.get("headline_has", ""):
                want = (None, "receives_no_mail")
            else:
                want = (None, "not_enough_checked")
            if (score.value, score.status) != want:
                failures[name] = f"{(score.value, score.status)} != {want}: {score.note}"
            elif "number_for_what_applies" in exp:
                words = f"{exp['number_for_what_applies']}/100 for what applies"
                if words not in score.note:
                    failures[name] = f"{words!r} not in {score.note!r}"
        assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)

    def test_a_stored_run_keeps_its_score_version_and_checks_release(self) -> None:
        exp = RUNS["run-stores-version"]["expect"]
        report = report_of(CASES["all-good"])
        run = CheckRun.objects.create(domain=self.domain)
        run.finish(report.to_dict())
        run.refresh_from_db()
        assert run.score_version == exp["score_version"] == scoring.SCORE_VERSION
        assert run.score_detail["checks_release"] == exp["checks_release"]
        assert run.score_detail["version"] == exp["score_version"]

    def test_the_rubric_page_is_public(self) -> None:
        exp = RUNS["rubric-page-public"]["expect"]
        page = Client().get("/scoring/")
        assert page.status_code == exp["status"]
        text = text_of(page.content.decode())
        for words in exp["has"]:
            assert words in text, words


@dataclass
class _Run:
    created: datetime
    score: int | None
    score_version: int | None
    mechanisms: dict[str, str]
    score_detail: dict[str, Any]


def test_the_chart_marks_where_the_rubric_changed() -> None:
    case = RUNS["chart-marks-version-change"]
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    runs = [
        _Run(t0 + timedelta(days=i), 90, v, {"mx": "pass"}, {}) for i, v in enumerate(case["runs"])
    ]
    chart = build_chart(runs)
    marked = [i for i, p in enumerate(chart.points) if any(v.x == p.x for v in chart.versions)]
    assert marked == case["expect"]["marked_at"]
    assert [v.version for v in chart.versions] == [case["runs"][i] for i in marked]


# Whole lab domains (tests/lab/scenarios): the score of a null MX and of a domain with no MX
# records and no address, as the engine checks them. Only a null MX says a domain receives no
# mail (RFC 7505 §3); without MX records senders fall back to the domain's own address (RFC 5321
# §5.1), so such a domain is scored as one that receives mail (docs/scoring.md rule 1).
def _scenario(domain: str) -> Any:
    from tests.lab.scenarios import load_scenarios

    return next(s for s in load_scenarios() if s.domain == domain)


NO_MAIL_SCENARIOS = [_scenario("s25e-parked.lab.test"), _scenario("s25e-nomx.lab.test")]


@pytest.mark.lab
@pytest.mark.parametrize("scenario", NO_MAIL_SCENARIOS, ids=lambda s: s.domain)
def test_only_a_null_mx_makes_the_score_not_applicable(lab: Any, scenario: Any) -> None:
    from tests.test_engine_lab import scenario_report

    report = scenario_report(lab, scenario)
    assert not report.error, report.error
    categories = report.score_detail["categories"]
    transport = [str(m) for m in scoring.TRANSPORT]
    line = cli.headline(report, cli.receives_no_mail(report))
    if scenario.domain.startswith("s25e-parked"):
        # Null MX: transport does not apply; the number rates MX, SPF, DMARC and DNSSEC.
        assert cli.receives_no_mail(report)
        assert all(categories[m]["reason"] == "does not apply" for m in transport)
        assert line.startswith("score n/a"), line
        assert scoring.coverage(report.score_detail).checked == 40  # MX 5, SPF, DMARC, DNSSEC
    else:
        # No MX, no address: MX-01 and SMTP-01 fail, MTA-STS and TLS-RPT are absent; scored.
        assert not cli.receives_no_mail(report)
        fails = {f.id for f in report.findings if f.status == Status.FAIL}
        assert {"MX-01", "SMTP-01"} <= fails, fails
        for m in ("mx", "smtp", "mta-sts", "tls-rpt"):
            assert categories[m]["counted"] and categories[m]["points"] == 0, (m, categories[m])
        assert categories["dane"]["reason"] == "not deployed (not scored)"
        assert report.score is not None and line == f"score {report.score}/100", line


# One configuration on 1 and on 4 MX hosts (tests/lab/scenarios/s42s_onemx.toml, s42s_fourmx):
# each host speaks TLS 1.3 only (SMTP-07 warns per host). The score must not change with the
# number of MX hosts: SMTP-07 is one distinct warning (rule 5), 15 of STARTTLS's 20.
MX_COUNT_SCENARIOS = [_scenario("s42s-onemx.lab.test"), _scenario("s42s-fourmx.lab.test")]


@pytest.mark.lab
def test_the_score_does_not_change_with_the_number_of_mx_hosts(lab: Any) -> None:
    from tests.test_engine_lab import scenario_report

    one, four = (scenario_report(lab, s) for s in MX_COUNT_SCENARIOS)
    assert not one.error and not four.error, (one.error, four.error)
    warned = [f.subject for f in four.findings if f.id == "SMTP-07" and f.status == Status.WARN]
    assert len(warned) == 4, warned  # the same warning on each of the four hosts
    for report in (one, four):
        smtp = report.score_detail["categories"]["smtp"]
        assert (smtp["points"], smtp["costs"]) == (15, ["SMTP-07"]), smtp
        # DKIM not scored (no selector given): 90 count, 85 earned.
        assert report.score == 94, report.score_detail
    assert one.score_detail["categories"] == four.score_detail["categories"]


@pytest.mark.lab
@pytest.mark.parametrize("scenario", MX_COUNT_SCENARIOS, ids=lambda s: s.domain)
def test_mx_count_scenarios_read_as_declared(lab: Any, scenario: Any) -> None:
    """Parametrized by the scenarios, so the lab checks them together up front."""
    from tests.test_engine_lab import scenario_report

    report = scenario_report(lab, scenario)
    assert {f.id for f in report.findings if f.status == Status.WARN} == {"SMTP-07"}
