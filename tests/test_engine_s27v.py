"""Review s27v of the session's product changes (8935f18..9c6bae1): defects found by running
the changed checks on inputs their commits did not try, each fixed with the test here."""

from __future__ import annotations

import asyncio

import pytest

from checks import dkim, domainname
from checks.domainname import DomainNameError, to_ascii_domain
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s27e_blind import Case as BimiCase
from tests.test_engine_s27e_blind import logo
from tests.test_engine_s27e_blind import run_case as run_bimi
from tests.test_engine_s27e_blind import site as bimi_site
from tests.test_engine_s27k_blind import rsa_key
from tests.test_spf import make_ctx, published

DOMAIN = "tallpine-realty.com"
TENANT = "tallpinerealty.onmicrosoft.com"


def _dkim(zone: dict, selectors: tuple[str, ...]) -> list[Finding]:
    ctx = make_ctx(DOMAIN, zone, dkim_selectors=selectors)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dkim.evaluate(ctx))


def _microsoft_365(selector2_target: str | list[str]) -> dict:
    """Microsoft 365's two selector CNAMEs: selector1's key published, selector2's name as
    given (NXDOMAIN until the first rotation publishes a key there)."""
    one = f"selector1-tallpine-realty-com._domainkey.{TENANT}"
    two = f"selector2-tallpine-realty-com._domainkey.{TENANT}"
    return {
        (DOMAIN, "MX"): [f"10 {DOMAIN.replace('.', '-')}.mail.protection.outlook.com."],
        (f"selector1._domainkey.{DOMAIN}", "CNAME"): [f"{one}."],
        (one, "TXT"): [f"v=DKIM1; k=rsa; p={rsa_key(2048)}"],
        (f"selector2._domainkey.{DOMAIN}", "CNAME"): [f"{two}."],
        (two, "TXT"): selector2_target,
    }


def test_an_empty_second_selector_beside_a_key_is_not_told_to_turn_signing_on() -> None:
    # 461d7c3 gave an alias of an empty name "the provider has not published the key there
    # yet (turn DKIM signing on in its settings)", also when another given selector holds a
    # key. Microsoft 365 signs with selector1 and publishes selector2's key at the first
    # rotation: signing is on, and the owner has nothing to do.
    findings = _dkim(_microsoft_365("NXDOMAIN"), ("selector1", "selector2"))
    (empty,) = [f for f in findings if f.id == "DKIM-01" and f.subject.startswith("selector2.")]
    assert str(empty.status) == "info"
    assert "turn DKIM signing on" not in empty.summary
    assert "selector2-tallpine-realty-com._domainkey." in empty.summary
    assert "'selector1'" in empty.summary and "rotat" in empty.summary
    assert not empty.fix


def test_an_empty_alias_with_no_key_anywhere_still_says_to_turn_signing_on() -> None:
    zone = _microsoft_365("NXDOMAIN")
    del zone[(f"selector1._domainkey.{DOMAIN}", "CNAME")]
    findings = _dkim(zone, ("selector2",))
    (info,) = [f for f in findings if f.id == "DKIM-01"]
    assert "turn DKIM signing on" in info.summary


def test_bimi02_fix_for_capital_version_and_capital_l_writes_both_in_lower_case() -> None:
    # 'V=BIMI1; L=<url>' is discarded (BIMI-02); its fix rewrote only the version tag and
    # offered 'v=BIMI1; L=<url>', a record BIMI-03 then fails for having no l= (dee8e0c gave
    # BIMI-03's own fix the 'l=', not this one).
    domain = "tallpine-realty.com"
    record = f"V=BIMI1; L={logo(domain)}"
    findings = run_bimi(BimiCase("capital-v-and-l", domain, bimi_site(domain, record)))
    (discarded,) = [f for f in findings if f.id == "BIMI-02"]
    assert str(discarded.status) == "fail"
    assert "'L=' must be written 'l='" in discarded.summary
    assert published(discarded.fix) == (
        f"default._bimi.{domain}",
        f"v=BIMI1; l={logo(domain)}",
    )


@pytest.mark.parametrize(
    "typed",
    [
        "a/b@example.com",
        "a?b@example.com",
        "a#b@example.com",
        "sales/eu#2@example.com",
        "mailto:a/b@example.com",
        "<a/b@example.com>",
        "Alice <a?b@example.com>",
    ],
)
def test_an_address_with_slash_question_mark_or_hash_in_its_local_part_is_its_domain(
    typed: str,
) -> None:
    # RFC 5321 §4.1.2: a Dot-string local part is atext (RFC 5322 §3.2.3), which holds '/',
    # '?' and '#'. 6173727 read quoted and escaped local parts but left these to the URL
    # reading, which cut the host at them and refused 'a/b@example.com' with "a ... has no
    # dot, so it is a top-level domain": untrue, and the address is valid.
    assert to_ascii_domain(typed) == "example.com"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("example.com/a@b.org", "example.com"),  # a URL of example.com: its reading holds
        ("https://example.com/a?b@evil.example/", "example.com"),
    ],
)
def test_a_url_whose_path_holds_an_at_sign_stays_its_host(typed: str, expected: str) -> None:
    assert to_ascii_domain(typed) == expected


@pytest.mark.parametrize("typed", ["a/b@localhost", "a/b@exa\\mple.com", "a/b@", "a/b@com"])
def test_an_address_reading_still_checks_the_domain(typed: str) -> None:
    with pytest.raises(DomainNameError):
        to_ascii_domain(typed)


def test_an_address_reading_names_its_domains_fault() -> None:
    # 'a/b@co.uk' was refused with the URL reading's words, "has no dot": untrue of co.uk.
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain("a/b@co.uk")
    assert "no dot" not in str(refused.value) and "co.uk" in str(refused.value)


@pytest.mark.parametrize("text", ["a" * 2_000_000, "a/b@" * 500_000, '"' * 2_000_000])
def test_input_over_the_cap_is_refused_for_its_length_and_read_no_other_way(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The address and list readings added after the first refusal ran their regular
    # expressions over all of a 2 MB paste before refusing it (0.25-0.85 s, against 0.1 ms
    # before): refused for its length, it is read no other way.
    def not_for_megabytes(*args: object) -> None:
        raise AssertionError("another reading tried on input over the cap")

    monkeypatch.setattr(domainname, "_atext_address_domain", not_for_megabytes)
    monkeypatch.setattr(domainname, "_pasted_list", not_for_megabytes)
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text)
    assert "characters long" in str(refused.value)
