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
