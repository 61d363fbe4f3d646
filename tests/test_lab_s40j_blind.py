"""Blind round s40j (engine round 16): BIMI as brands publish it, with the logo and mark
certificate hosts in the lab (checklist §10; the BIMI draft source at the authindicators
repository: Assertion Record Definition, Declination to Publish, Supported Image Formats for l=,
Local-part Selectors, Assertion Record Discovery, Authentication Requirements; RFC 6376 §3.2 for
the tag-value syntax the record follows; the SVG Tiny PS profile and mark certificate rules the
checklist takes from the companion drafts and BIMI Group guidance).

Measured before the round (files under tests/ naming the id, grep -rlw over tests/, 2026-12-04
21:12 UTC): BIMI-07 13, BIMI-03 14, BIMI-06 15, BIMI-02 20, BIMI-05 22, BIMI-01 27, BIMI-04 28,
BIMI-08 33, BIMI-10 34, BIMI-09 40. Fourteen scenarios (tests/lab/scenarios/s40j_*.toml, MX hosts
on 127.0.216.10-.37, the policy, logo, mark certificate and CDN hosts on 127.0.218.1;
127.0.216.x and 127.0.218.x reserved, 127.0.216.x lying unused in s35l's reservation) give the
rules shapes no earlier round had (the s12b, s21k, s24e-s26e and s36l BIMI files were grepped):
blanks around the version's '=' (which the draft's ABNF allows), the tag name 'V=' in capitals,
v= last, a site-verification token beside the record at default._bimi, the draft's own
'v=BIMI1; l=; a=; lps=true;', an empty l= with a mark certificate, 'avp=Brand', an lps= prefix of
65 characters, an animated logo, 'tiny-ps' with version 1.1, a mark certificate without the BIMI
EKU, an l= answering 302 to a CDN, and a newsletter subdomain that inherits its brand's record
under its own 'p=quarantine; pct=50' (s40j-brand is the organisational domain it falls back to,
and the round's baseline).

The expectations below were written from the checklist and the draft before the engine ran on
any of them; each file's note gives the reasoning. Three rows are planted wrong so that the
round can be seen to fail: BIMI-02 at fail on spacever (the ABNF allows *WSP around '=': no
fail), BIMI-10 at fail on svganim (the certificate embeds the served file: pass), BIMI-03 at pass
on decllps (a declination is info); each failed the first run on it alone, and was put right.

The first run (after 86b07ce2, against the lab under the lab lock): the eleven honest scenarios
read as written on their statuses. One row was mine to correct, with its reason at its row: news
(BIMI-01 is info whether a record is found or not; this one says it is inherited). One engine
fault, status unchanged, mended in e2c23a56 with tests/test_engine_s40j.py (docs/scoring.md v7
notes): on vlate BIMI-02's fail offered nothing and did not say why, though every tag was as
meant; it now says v=BIMI1 must be the first tag and offers the record with it first. Read, not
failed: emptylvmc's BIMI-03 fail offers no record (the logo's URL is the owner's to give) and
its BIMI-10 passes beside an info that the certificate's logo was not compared; svganim's and
svg11's BIMI-09 fails offer no fix (a logo is re-exported, not retyped); logo302's BIMI-09
offers the record with l= at the CDN URL.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W

# The domains the round checks: s40j-<label>.lab.test, and one subdomain of s40j-brand.
SUBDOMAINS = {"news": "news.s40j-brand.lab.test"}


def _d(label: str) -> str:
    return SUBDOMAINS.get(label, f"s40j-{label}.lab.test")


def _logo(label: str) -> str:
    return f"https://bimi.{_d(label)}/logo.svg"


def _vmc(label: str) -> str:
    return f"https://bimi.{_d(label)}/vmc.pem"


def _vlate_fixed() -> str:
    """The record vlate meant, as BIMI-02's fix offers it (its tags, v=BIMI1 first)."""
    d = _d("vlate")
    return f"v=BIMI1; l=https://bimi.{d}/logo.svg; a=https://bimi.{d}/vmc.pem"


LPS_LONG = "newsletter-and-product-announcements-for-customers-in-europe-2026"

BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ baseline, org
    Blind(
        "brand",
        rows=(
            ("BIMI-08", P, (_d("brand"),)),
            ("BIMI-09", P, (_logo("brand"),)),
            ("BIMI-10", P, (_vmc("brand"),)),
        ),
    ),
    # ------------------------------------------------------------------------ BIMI-01, -08
    Blind(
        "news",
        fail=frozenset({"BIMI-08"}),
        warn=frozenset({"DMARC-08", "DMARC-19"}),
        rows=(
            # Corrected after the run (expectation mine): I asked for a BIMI-01 pass; BIMI-01 is
            # info whether or not a record is found (checklist BIMI-01 has no pass), and this one
            # says the record is inherited from the organisational domain's name.
            ("BIMI-01", INFO, ("default._bimi.s40j-brand.lab.test", "inherited")),
            ("BIMI-08", F, ("pct", "quarantine")),
        ),
    ),
    # ------------------------------------------------------------------------ BIMI-02
    Blind(
        "spacever",
        # Planted wrong as BIMI-02 fail; it failed the first run on that status alone and is
        # put right: the draft's ABNF allows blanks around the version's '='.
        rows=(
            ("BIMI-02", P, ("default._bimi." + _d("spacever"),)),
            ("BIMI-09", P, (_logo("spacever"),)),
            ("BIMI-10", P, (_vmc("spacever"),)),
        ),
    ),
    Blind(
        "vupper",
        fail=frozenset({"BIMI-02"}),
        rows=(("BIMI-02", F, ("default._bimi." + _d("vupper"), "V=BIMI1")),),
    ),
    Blind(
        "vlate",
        fail=frozenset({"BIMI-02"}),
        rows=(
            ("BIMI-02", F, ("default._bimi." + _d("vlate"), "v=BIMI1")),
            # Mended after the run: the fail said only that the record does not start with
            # 'v=BIMI1', and offered nothing, though every tag is as meant; it now says the tag
            # must come first and offers the record with it first (tests/test_engine_s40j.py).
            ("BIMI-02", F, ("first tag", _vlate_fixed())),
        ),
    ),
    Blind(
        "siteverif",
        rows=(("BIMI-09", P, (_logo("siteverif"),)), ("BIMI-10", P, (_vmc("siteverif"),))),
    ),
    # ------------------------------------------------------------------------ BIMI-03, -07
    Blind(
        "decllps",
        # Planted wrong as BIMI-03 pass; it failed the first run on that row alone and is put
        # right: a declination is BIMI-03 info (checklist BIMI-03).
        rows=(("BIMI-03", INFO, ("declines",)),),
    ),
    Blind(
        "emptylvmc",
        fail=frozenset({"BIMI-03"}),
        rows=(("BIMI-03", F, ("l=",)),),
    ),
    # ------------------------------------------------------------------------ BIMI-06
    Blind(
        "avpcase",
        warn=frozenset({"BIMI-06"}),
        rows=(("BIMI-06", W, ("Brand",)), ("BIMI-10", P, (_vmc("avpcase"),))),
    ),
    # ------------------------------------------------------------------------ BIMI-07
    Blind(
        "lpslong",
        warn=frozenset({"BIMI-07"}),
        rows=(("BIMI-07", W, (LPS_LONG,)),),
    ),
    # ------------------------------------------------------------------------ BIMI-09
    Blind(
        "svganim",
        # Planted wrong as BIMI-10 fail; it failed the first run on that status alone and is
        # put right: the mark certificate embeds this very file, so its logo is the l= logo.
        fail=frozenset({"BIMI-09"}),
        rows=(
            ("BIMI-09", F, (_logo("svganim"), "animateTransform")),
            ("BIMI-10", P, (_vmc("svganim"), "l= logo")),
        ),
    ),
    Blind(
        "svg11",
        fail=frozenset({"BIMI-09"}),
        rows=(("BIMI-09", F, (_logo("svg11"), "1.2")), ("BIMI-10", P, (_vmc("svg11"),))),
    ),
    Blind(
        "logo302",
        fail=frozenset({"BIMI-09"}),
        rows=(
            (
                "BIMI-09",
                F,
                ("https://bimi.s40j-logo302.lab.test/brand/logo.svg", "302"),
            ),
            ("BIMI-09", F, ("https://cdn.s40j-logo302.lab.test/logo.svg",)),
        ),
    ),
    # ------------------------------------------------------------------------ BIMI-10
    Blind(
        "vmcnoeku",
        fail=frozenset({"BIMI-10"}),
        rows=(("BIMI-10", F, (_vmc("vmcnoeku"), "1.3.6.1.5.5.7.3.31")),),
    ),
]

ROUND = LabRound("s40j", BLIND, {})


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 14
    ROUND.assert_complete(_d, ("127.0.216.",))
    web = {h.ip for s in ROUND.scenarios.values() for h in s.https}
    assert web == {"127.0.218.1"}
    # The declination is the only record that names no logo to fetch.
    hosted = {
        label
        for label, s in ROUND.scenarios.items()
        if any(h.host.startswith("bimi.") for h in s.https)
    }
    assert hosted == set(ROUND.by_label) - {"news", "decllps"}


# ------------------------------------------------------------------ the blind run
test_s40j_scenario_reads_as_expected = ROUND.reading_test()
