"""The public rubric page (/scoring/), the links to it, the domain page's score breakdown and
its hosting card for a domain that receives no mail."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks import scoring
from checks.findings import MECHANISM_TITLES, DomainReport, Finding, Mechanism, Status
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from mailsec.scoring import explain
from mailsec.scoring import views as rubric_views
from tests.conftest import BaseTestCase
from tests.test_domains import scored_run

M = Mechanism
S = Status


def f(check_id: str, status: Status, mechanism: Mechanism, summary: str = "") -> Finding:
    return Finding(id=check_id, status=status, mechanism=mechanism, summary=summary or check_id)


# A domain with MX hosts and gaps: no MTA-STS, a weak DMARC, an SPF warning, DANE absent (not
# scored), a STARTTLS host that could not be checked.
MIXED = [
    f("MX-01", S.PASS, M.MX),
    f("MTASTS-01", S.INFO, M.MTASTS, "No MTA-STS record"),
    f("TLSRPT-01", S.INFO, M.TLSRPT, "No TLS-RPT record"),
    f("SMTP-01", S.PASS, M.SMTP),
    f("SMTP-05", S.ERROR, M.SMTP, "mx2 answered 421"),
    f("SPF-03", S.PASS, M.SPF),
    f("SPF-11", S.WARN, M.SPF, "Large ranges"),
    f("DKIM-02", S.PASS, M.DKIM),
    f("DMARC-02", S.PASS, M.DMARC),
    f("DMARC-05", S.WARN, M.DMARC, "p=none"),
    f("DMARC-09", S.WARN, M.DMARC, "No rua"),
    f("DNSSEC-01", S.INFO, M.DNSSEC, "Unsigned"),
    f("DANE-01", S.INFO, M.DANE, "No TLSA"),
    f("BIMI-01", S.INFO, M.BIMI),
]

# A parked domain: "MX 0 ." and nothing else, as the engine reports it.
NULL_MX = [
    f("MX-03", S.INFO, M.MX, "example.org declares it receives no mail (null MX)"),
    f("MTASTS-01", S.NA, M.MTASTS, "accepts no mail (null MX)"),
    f("TLSRPT-01", S.NA, M.TLSRPT),
    f("SMTP-01", S.NA, M.SMTP),
    f("DANE-01", S.NA, M.DANE),
    f("SPF-03", S.PASS, M.SPF, "v=spf1 -all"),
    f("DKIM-01", S.INFO, M.DKIM),
    f("DMARC-02", S.PASS, M.DMARC),
    f("DNSSEC-01", S.INFO, M.DNSSEC),
    f("BIMI-01", S.INFO, M.BIMI),
]


class RubricPageTestCase(BaseTestCase):
    def test_it_is_public_and_reads_no_database(self) -> None:
        with self.assertNumQueries(0):
            r = self.client.get("/scoring/")
        self.assertEqual(r.status_code, 200)

    def test_it_renders_the_weights_of_checks_scoring(self) -> None:
        page = self.client.get("/scoring/").content.decode()
        self.assertIn(f"rubric <strong>v{scoring.SCORE_VERSION}</strong>", page)
        for mech, weight in scoring.WEIGHTS.items():
            row = re.search(
                rf'<tr id="rubric-{mech}">\s*<th scope="row">(.*?)</th>\s*<td data-label="Weight">(\d+)</td>',
                page,
            )
            assert row is not None, mech
            self.assertEqual(html.unescape(row.group(1)), MECHANISM_TITLES[mech])
            self.assertEqual(int(row.group(2)), weight)
        self.assertIn(f"out of {sum(scoring.WEIGHTS.values())} when all", page)
        self.assertIn(f"costs {scoring.WARN_COST * 100:g} % of the category", page)

    def test_a_changed_rubric_changes_the_page(self) -> None:
        """Nothing on the page is a copy: new weights and a new version show at once."""
        with (
            mock.patch.dict(scoring.WEIGHTS, {M.DANE: 7, M.MTASTS: 30}),
            mock.patch.object(scoring, "SCORE_VERSION", scoring.SCORE_VERSION + 1),
        ):
            page = self.client.get("/scoring/").content.decode()
        self.assertRegex(
            page,
            r'<tr id="rubric-dane">\s*<th scope="row">DANE</th>\s*<td data-label="Weight">7</td>',
        )
        self.assertIn("1.75 each; keeps at least 1.75 of 7", page)
        self.assertRegex(
            page,
            r'<tr id="rubric-mta-sts">\s*<th scope="row">MTA-STS</th>\s*<td data-label="Weight">30',
        )
        self.assertIn(f"<strong>v{scoring.SCORE_VERSION + 1}</strong> · current", page)

    def test_it_says_what_is_not_deployed_and_what_is_not_scored(self) -> None:
        page = self.client.get("/scoring/").content.decode()
        for check_id, _ in scoring.ABSENCE:
            self.assertIn(f"<code>{check_id}</code>", page)
        # DANE's absence is not held against a Gmail or Microsoft 365 customer.
        dane = re.search(r'<tr id="rubric-dane">.*?</tr>', page, re.S)
        assert dane is not None
        self.assertIn("Not scored when absent (<code>DANE-01</code>)", dane.group(0))
        self.assertIn("Microsoft 365", dane.group(0))
        bimi = re.search(r'<tr id="rubric-bimi">.*?</tr>', page, re.S)
        assert bimi is not None
        self.assertIn("never scored", bimi.group(0))

    def test_every_rule_in_scoring_has_words(self) -> None:
        """A new absence or not-scored rule in checks/scoring.py must be explained on the
        page; an evidence-based absence the page names must still be one."""
        self.assertLessEqual({c for c, _ in scoring.ABSENCE}, set(explain.ABSENCE_WORDS))
        self.assertLessEqual(
            {str(m) for m in scoring.NOT_SCORED_WHEN_ABSENT}, set(explain.NOT_SCORED_REASONS)
        )
        for check_id, status, evidence, _ in explain.CONDITIONAL_ABSENCES:
            self.assertTrue(scoring.is_absence(check_id, status, evidence), check_id)

    def test_it_lists_every_version_with_the_docs_note(self) -> None:
        notes = rubric_views.parse_changes(rubric_views.DOCS_PATH.read_text())
        page = self.client.get("/scoring/").content.decode()
        for version in range(1, scoring.SCORE_VERSION + 1):
            self.assertIn(f'<li id="v{version}"><strong>v{version}</strong>', page)
            self.assertIn(version, notes)
        # The gist of a note is its first clause; the rest folds away.
        self.assertEqual(rubric_views.versions()[-1].summary, "First rubric")
        v3 = next(v for v in rubric_views.versions() if v.version == 3)
        self.assertEqual(v3.summary, "Same weights and rules")
        self.assertIn("<code>v=TLSRPTv1</code>", v3.text)

    def test_the_notes_parser_reads_continuation_lines_and_stops_at_the_list_end(self) -> None:
        text = (
            "## Changes\n\n- v1 (2026-01-01): first; more.\n- v2 (2026-02-02): a `<b>` tag "
            "(a; b). Then\n  more text.\n\nAfter the list.\n## Other\n- v3 (x): not a note\n"
        )
        notes = rubric_views.parse_changes(text)
        self.assertEqual(set(notes), {1, 2})
        self.assertEqual(notes[2], ("2026-02-02", "a `<b>` tag (a; b). Then more text."))
        self.assertEqual(rubric_views._first_clause(notes[2][1]), "a `<b>` tag (a; b)")
        self.assertEqual(str(rubric_views._inline("a `<b>`")), "a <code>&lt;b&gt;</code>")
        self.assertEqual(rubric_views._first_clause("a rule, e.g. SPF. More."), "a rule, e.g. SPF")


class DomainPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"
        self.client.force_login(self.alice)

    def page(self, findings: list[Finding], domain: Domain | None = None) -> str:
        domain = domain or self.domain
        domain.set_last_run(scored_run(domain, findings))
        return self.client.get(f"/domains/{domain.code}/").content.decode()

    def test_it_links_the_rubric(self) -> None:
        page = self.page(MIXED)
        version = self.domain.last_run.score_version  # the run's own, as stored
        self.assertIn(f'<a href="/scoring/">scoring rubric v{version}</a>', page)

    def test_it_shows_what_each_category_cost_as_the_free_check_does(self) -> None:
        page = self.page(MIXED)
        score, detail = scoring.compute(MIXED)
        report = DomainReport(domain="example.org", findings=MIXED)
        scoring.apply(report)
        now = timezone.now() - timedelta(minutes=1)
        check = FreeCheck.objects.create(
            domain="example.org",
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            created=now,
            started=now,
            finished=now,
        )
        free = self.client.get(f"/check/{check.code}").content.decode()
        self.assertIn('<a href="/scoring/">rubric v', free)

        # The free check's table: category, points / weight, reason and the costing checks.
        free_rows = {
            m: (pts, why.split("<code>")[0].strip(), re.findall(r"<code>([^<]+)</code>", why))
            for m, pts, why in re.findall(
                r'<a href="#m-([a-z-]+)">[^<]*</a></th>\s*<td class="fc-num"[^>]*>([^<]*)</td>\s*'
                r"<td[^>]*>(.*?)</td>",
                free,
                re.S,
            )
        }
        # The domain page's: the categories that lost points, what each cost on the score.
        ours = {
            m: (lost, pts, reason.strip(), " ".join(codes.split()))
            for m, lost, pts, reason, codes in re.findall(
                r'<li><a href="#mech-([a-z-]+)">[^<]*</a> −([\d.]+)\s*<span class="muted">'
                r"\(([^,]+), ([a-z ]+)((?: <code>[^<]+</code>)*)\)</span>",
                page,
            )
        }
        lost = {m for m, c in detail["categories"].items() if c["counted"] and c["lost"]}
        self.assertEqual(set(ours), lost)
        self.assertEqual(lost, {"mta-sts", "tls-rpt", "spf", "dmarc", "dnssec"})
        for mech, (score_lost, points, reason, codes) in ours.items():
            category = detail["categories"][mech]
            self.assertEqual(float(score_lost), category["score_lost"])
            self.assertEqual(points, free_rows[mech][0])  # "0 / 20", "7.5 / 15"
            self.assertEqual(reason, category["reason"])
            self.assertEqual(re.sub(r"</?code>", "", codes).split(), category["costs"])
            self.assertEqual((reason, category["costs"]), free_rows[mech][1:])
        # What fixing everything would give back: the losses add up to 100 - score.
        total = sum(float(v[0]) for v in ours.values())
        self.assertAlmostEqual(total, 100 - score, delta=0.5)
        # What left the calculation says so, as the free check's "not counted".
        self.assertIn("STARTTLS on the MX hosts not counted: could not be checked", page)
        self.assertIn("DANE not counted: not deployed (not scored)", page)
        self.assertIn("not counted", free_rows["smtp"][0])

    def test_a_clean_score_says_nothing_cost_points(self) -> None:
        clean = [f("MX-01", S.PASS, M.MX), f("SPF-03", S.PASS, M.SPF)]
        page = self.page(clean)
        self.assertIn("Nothing cost points.", page)
        self.assertNotIn("Points lost", page)

    def test_a_null_mx_domain_is_not_offered_hosting(self) -> None:
        page = self.page(NULL_MX)
        self.assertIn("Hosting does not apply", page)
        self.assertIn("publishes a null MX, so it receives no mail", page)
        self.assertNotIn("Let us serve the policy", page)

    def test_a_domain_that_receives_mail_is_offered_hosting(self) -> None:
        page = self.page(MIXED)
        self.assertIn("Let us serve the policy", page)
        self.assertNotIn("Hosting does not apply", page)
        # A domain not checked yet too.
        other = Domain.objects.create(team=self.team, name="b.example", verified_at=timezone.now())
        page = self.client.get(f"/domains/{other.code}/").content.decode()
        self.assertIn("Let us serve the policy", page)

    def test_a_policy_already_hosted_is_still_shown_for_a_null_mx_domain(self) -> None:
        from mailsec.hosting.models import HostedPolicy

        HostedPolicy.objects.create(domain=self.domain, name=self.domain.name, mode="testing")
        page = self.page(NULL_MX)
        self.assertIn("We host the policy", page)

    def test_the_hosting_card_follows_the_latest_run_not_the_one_shown(self) -> None:
        old = scored_run(self.domain, MIXED)
        self.page(NULL_MX)
        page = self.client.get(f"{self.url}?run={old.code}").content.decode()
        self.assertIn("Hosting does not apply", page)

    def test_the_query_count_is_the_same_with_the_breakdown_and_a_null_mx(self) -> None:
        """The breakdown and the null-MX card read the run's score_detail, which the page
        loads anyway: neither reads the findings nor adds a query."""
        counts = []
        for name, findings in (("a.example", MIXED), ("b.example", NULL_MX)):
            domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
            domain.set_last_run(scored_run(domain, findings))
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                self.client.get(f"/domains/{domain.code}/")
            counts.append(len(ctx.captured_queries))
            with self.assertNumQueries(2):  # cached: the user and the ownership check
                self.client.get(f"/domains/{domain.code}/")
        self.assertEqual(counts[0], counts[1])


@pytest.mark.django_db  # the home page reads the visitor's free-check allowance (9b69984)
def test_every_page_links_to_the_rubric(client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    page = client.get("/").content.decode()
    assert f'href="{reverse("scoring-rubric")}">How the score works</a>' in page
