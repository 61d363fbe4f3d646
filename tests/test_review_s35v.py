"""Review s35v of the session's changes: faults found, each with the test that failed first.

1. The vantage's "resolver down" (s35o) with several resolvers. MAILSEC_RESOLVER may name
   several; the engine's DnsClient asks the next one after a timeout, a network error or a
   SERVFAIL (checks.dns.DnsClient.query), so a backup resolver that is down fails no check.
   VantageResult took the worst verdict of all resolvers: one dead backup said on every result
   page that checks "say could not check" (untrue) and held every regression alert for as long
   as it stayed dead (lost alerts). Down is now the checks' view: down when no resolver answers,
   or when one that answers says names that exist do not exist (an answer the client keeps).
"""

from __future__ import annotations

from checks.vantage import Answer, ResolverAnswer, VantageResult, Verdict

NOT_ANSWERING = "Our DNS resolver has not been answering since"
SAYS_NXDOMAIN = "Our DNS resolver has been answering that names which exist do not exist since"


def _resolver(verdict: Verdict, address: str, nxdomain: bool = False) -> ResolverAnswer:
    detail = {
        Verdict.OK: "validates",
        Verdict.BROKEN: "does not validate",
        Verdict.UNKNOWN: "could not tell",
    }.get(verdict, "says it does not exist" if nxdomain else "does not answer")
    return ResolverAnswer(verdict, detail, resolver=address, nxdomain=nxdomain)


def _result(*resolvers: ResolverAnswer) -> VantageResult:
    return VantageResult(
        checked_at="2026-12-01T14:20:00+00:00",
        resolvers=list(resolvers),
        port25=Answer(Verdict.NOT_TESTED, "words"),
    )


DEAD_FIRST = _result(
    _resolver(Verdict.DOWN, "192.0.2.53:53"), _resolver(Verdict.OK, "198.51.100.53:53")
)
DEAD_BACKUP = _result(
    _resolver(Verdict.OK, "198.51.100.53:53"), _resolver(Verdict.DOWN, "192.0.2.53:53")
)


def test_one_dead_resolver_among_answering_ones_is_no_outage() -> None:
    for result in (DEAD_FIRST, DEAD_BACKUP):
        # The engine's lookups go on to the resolver that answers: no check fails for it.
        assert result.resolver_verdict == Verdict.OK
        assert not result.holds_alerts
        assert not any(NOT_ANSWERING in p for p in result.problems())
        assert result.carry_over(None).resolver_down_since == ""
    # Each resolver's own line still says it, for the operator's terminal.
    assert any("192.0.2.53:53: down" in line for line in DEAD_BACKUP.lines())


def test_every_resolver_dead_is_down() -> None:
    result = _result(
        _resolver(Verdict.DOWN, "192.0.2.53:53"), _resolver(Verdict.DOWN, "198.51.100.53:53")
    )
    assert result.resolver_verdict == Verdict.DOWN
    assert result.holds_alerts
    assert any(NOT_ANSWERING in p for p in result.problems())


def test_an_answering_resolver_that_says_nxdomain_is_down_wherever_it_is() -> None:
    lying = _resolver(Verdict.DOWN, "192.0.2.53:53", nxdomain=True)
    ok = _resolver(Verdict.OK, "198.51.100.53:53")
    dead = _resolver(Verdict.DOWN, "203.0.113.53:53")
    # First: every lookup gets its NXDOMAIN. After a dead one: the lookups fall over to it.
    for result in (_result(lying, ok), _result(dead, lying), _result(ok, lying)):
        assert result.resolver_verdict == Verdict.DOWN
        assert result.holds_alerts
        assert any(SAYS_NXDOMAIN in p for p in result.problems())


def test_a_dead_resolver_beside_one_that_does_not_validate_is_that_one_broken() -> None:
    result = _result(
        _resolver(Verdict.DOWN, "192.0.2.53:53"), _resolver(Verdict.BROKEN, "198.51.100.53:53")
    )
    assert result.resolver_verdict == Verdict.BROKEN
    assert result.holds_alerts  # as for one resolver that does not validate (s35o)


# --- 2. DNSSEC-10's "which server is older" (s35l) when RFC 1982 orders none ------------------
#
# RFC 1982 §3.2: serial comparison is no total order; three serials about 1.4 billion apart
# each read newer than the one before, round in a circle, and two exactly 2^31 apart compare
# neither way. _disagreement looked for the one serial no other is newer than with next() and
# no default: with none, StopIteration went up through the coroutine (a RuntimeError, the
# mechanism's internal error) instead of the warning the disagreement is.

SAME_KEYS = frozenset({"257 3 13 AAAA"})


def _servers(*serials: int) -> dict[str, int]:
    return {f"ns{i}.example.net [192.0.2.{i}]": s for i, s in enumerate(serials, 1)}


def test_serials_in_a_circle_are_still_a_disagreement_without_calling_one_older() -> None:
    from checks.dnssec import _disagreement, _serial_newer

    serials = _servers(0, 1_400_000_000, 2_800_000_000)
    values = list(serials.values())
    # The circle: each is newer than the one before it, the first newer than the last.
    assert _serial_newer(values[1], values[0]) and _serial_newer(values[2], values[1])
    assert _serial_newer(values[0], values[2])
    summary, fix = _disagreement("example.com", serials, dict.fromkeys(serials, SAME_KEYS))
    assert "do not serve the same zone" in summary
    for name, serial in serials.items():
        assert name in summary and str(serial) in summary
    assert "older than" not in summary  # none is, by RFC 1982
    assert "RFC 1982" in summary
    assert "transfer the zone" in fix and "DNSKEY set" not in fix


def test_two_serials_2_to_the_31_apart_compare_neither_way() -> None:
    from checks.dnssec import _disagreement

    serials = _servers(5, 5 + 2**31)
    summary, fix = _disagreement("example.com", serials, dict.fromkeys(serials, SAME_KEYS))
    assert "older than" not in summary and "RFC 1982" in summary
    assert "transfer the zone" in fix


def test_serials_in_order_still_name_the_older_copy() -> None:
    from checks.dnssec import _disagreement

    serials = _servers(2026120301, 2026120300, 2026120301)
    summary, _ = _disagreement("example.com", serials, dict.fromkeys(serials, SAME_KEYS))
    assert "ns2.example.net [192.0.2.2] serves SOA serial 2026120300, older than" in summary


# --- 3. Migration reports/0014 (s35i) on a big reports_tlsreport -----------------------------
#
# It added the new unique constraint with ALTER TABLE ... ADD CONSTRAINT inside the migration's
# transaction: on PostgreSQL the index is built under an ACCESS EXCLUSIVE lock, so every parse
# and every page that reads reports waits for the whole build (minutes on a big table). Now the
# index is built CONCURRENTLY (no lock that stops reads or writes; outside a transaction, so the
# migration is not atomic) and attached as the constraint (USING INDEX: a short lock).


class _Recorder:
    def __init__(self, vendor: str) -> None:
        self.sql: list[str] = []
        self.connection = type("C", (), {"vendor": vendor})()

    def execute(self, sql: object, params: object = None) -> None:
        self.sql.append(" ".join(str(sql).split()))


def _migration() -> object:
    import importlib

    return importlib.import_module("reports.migrations.0014_tlsreport_unique_report_day")


def test_the_new_unique_index_is_built_concurrently_on_postgresql() -> None:
    from django.apps import apps

    module = _migration()
    assert module.Migration.atomic is False  # CREATE INDEX CONCURRENTLY cannot run in one
    editor = _Recorder("postgresql")
    module.build_index(apps, editor)
    module.Migration.operations[1].database_forwards("reports", editor, None, None)
    created = [s for s in editor.sql if s.startswith("CREATE")]
    assert created == [
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tlsreport_unique_report_day "
        'ON reports_tlsreport ("address_id", "submitter", "report_id", "day")'
    ]
    # Attached once only (a re-run after a stop half way: test_reports_s35_migration_rerun).
    assert (
        'ALTER TABLE "reports_tlsreport" ADD CONSTRAINT "tlsreport_unique_report_day" '
        'UNIQUE USING INDEX "tlsreport_unique_report_day"'
    ) in editor.sql[-1]
    # Elsewhere (SQLite) nothing is built beforehand.
    other = _Recorder("sqlite")
    module.build_index(apps, other)
    assert other.sql == []


# --- 4. DANE-12's renewal cover (s35l) by a certificate that is no CA --------------------------
#
# A DANE-TA record (usage 2) names a trust anchor: a CA that issues the leaf (RFC 7671 §5.2).
# s35l let DANE-12 pass, as the cover for an expired leaf's renewal, a '2 x x' record matching
# any certificate the server sends above its leaf that is valid now: also one that can issue
# nothing (basicConstraints cA false or absent, a second leaf sent by mistake). A renewal is
# then not authenticated: the next-key advice (info) stays.


def test_dane12_a_record_of_a_certificate_that_is_no_ca_covers_no_renewal() -> None:
    from checks import certs
    from checks.findings import Status
    from tests.test_certs import Pki
    from tests.test_engine_s35l import _dane12

    pki = Pki()
    leaf = pki.leaf(["mx1.ex.com"], expired=True)
    stray = pki.leaf(["other.ex.com"])  # current, but no CA
    finding = _dane12(
        [certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(stray.der, 2, 1, 1)],
        [leaf.der, stray.der],
    )
    assert finding.status == Status.INFO, finding
    assert "no record for a next key" in finding.summary
