"""SPF: include/redirect/a/mx/exists targets built only from the %{d} macro are followed.

%{d} is the domain being checked (RFC 7208 §7.3), known without a message, so receivers reach the
same name for every message: its record, lookups and void answers are the domain's own. Only
terms with message-dependent macros (%{i}, %{s}, %{l}, %{h}, ...) cannot be followed.
"""

from __future__ import annotations

from checks.findings import Status
from tests.test_spf import D, flagged, spf_run, statuses


def test_an_include_built_with_d_of_a_name_without_spf_fails() -> None:
    # Receivers expand include:%{d}.spf.filter.example to example.com.spf.filter.example,
    # find no SPF record there and return permerror (RFC 7208 §5.2).
    found = spf_run("v=spf1 mx include:%{d}.spf.filter.example -all")
    assert flagged(found)["fail"] == {"SPF-08"}


def test_an_include_built_with_d_is_followed_and_counted() -> None:
    zone = {
        (f"{D}.spf.filter.example", "TXT"): [
            "v=spf1 include:_a.filter.example include:_b.filter.example ip4:192.0.2.0/24 ~all"
        ],
        ("_a.filter.example", "TXT"): ["v=spf1 ip4:198.51.100.0/24 ~all"],
        ("_b.filter.example", "TXT"): ["v=spf1 ip4:203.0.113.0/24 ~all"],
    }
    found = spf_run("v=spf1 mx include:%{d}.spf.filter.example -all", zone=zone)
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    evidence = next(f.evidence for f in found if f.id == "SPF-05")
    assert evidence["lookups"] == 4  # mx, the include, and its two includes


def test_d_transformers_and_the_included_domain() -> None:
    # %{d2} is the two rightmost labels, %{dr} the labels reversed; inside an include %{d}
    # is the included domain (check_host() is called with it, §5.2), not the original one.
    zone = {
        ("example.com.sub.filter.example", "TXT"): ["v=spf1 a:%{d}.relay.filter.example ~all"],
        ("example.com.sub.filter.example.relay.filter.example", "A"): ["192.0.2.25"],
        ("com.example.rev.filter.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"],
    }
    found = spf_run(
        "v=spf1 include:%{d2}.sub.filter.example include:%{dr}.rev.filter.example -all",
        zone=zone,
    )
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    assert statuses(found, "SPF-06") == [Status.PASS]


def test_void_lookups_through_d_count() -> None:
    found = spf_run(
        "v=spf1 a:%{d}.gone1.example.net a:gone2.example.net mx:%{d}.gone3.example.net -all"
    )
    assert flagged(found)["fail"] == {"SPF-06"}


def test_message_dependent_macros_are_still_not_followed() -> None:
    # %{i} (the client address) and %{l} (the local-part) differ per message: not followed,
    # never reported as missing.
    found = spf_run("v=spf1 include:%{l}.%{d}.users.filter.example exists:%{i}._spf.%{d} -all")
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}


def test_a_redirect_built_with_d_decides_the_terminal_policy() -> None:
    zone = {(f"{D}._spf.host.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ?all"]}
    found = spf_run("v=spf1 redirect=%{d}._spf.host.example", zone=zone)
    assert flagged(found) == {"fail": set(), "warn": {"SPF-09"}, "error": set()}
    # ... and one reaching no SPF record is the permerror of §6.1.
    found = spf_run("v=spf1 redirect=%{d}._spf.gone.example")
    assert flagged(found)["fail"] == {"SPF-08"}
