"""Blind round s27e: BIMI assertion records (checklist §10, BIMI-01 to BIMI-08, with BIMI-09 on
two logo files), the least covered checklist section among the record-text rules.

Chosen by counting rule ids in tests/*blind*: BIMI had 25 uses over its 10 ids (BIMI-04 and
BIMI-10 none), against DKIM 40/12, TLSRPT 42/11 and MTASTS 202/36.

Forty domains' DNS written as admins, brand agencies and BIMI hosting providers publish it: the
version tag in lower case, after a space or a BOM, or quoted; tags in any order, spaced, split
over character-strings, duplicated or unknown; two records; declination (with a= absent, at a
subdomain whose organisational domain has a logo); l= missing, as 'L=', empty beside a=, over
http, as PNG, as SVGZ, without a suffix, with two URLs, in upper case; a= over http; avp= and
lps= at and past their bounds; the DMARC policies BIMI depends on (pct on quarantine and on
reject, sp=none, t=y, p=none, a subdomain inheriting); a CNAME to a provider; a lookup failure;
and an Illustrator SVG 1.1 export beside a tiny-ps file with CRLF line ends and a UTF-8 BOM.

The expectations were written from the BIMI draft (Assertion Record, Declination to Publish,
Supported Image Formats, Assertion Record Discovery steps 4-8, Authentication Requirements
steps 6-8, Indicator Discovery) and the checklist before the engine ran on any of them.

Result of the first run: the 3 planted wrong expectations (plain-vmc BIMI-05 warn, declination
BIMI-08 pass, reject-pct-10 BIMI-08 fail) failed and were removed; the 40 cases held as written,
no expectation corrected. Reading the run's texts showed two defects of wording and fix, fixed
in checks/bimi.py with the tests at the end of this file: utf8-bom's BIMI-02 quoted the
invisible byte order mark, blamed capitalisation and gave no record (leading-space blamed
capitalisation too); capital-L's BIMI-03 gave no record.

Each case runs checks.bimi.evaluate against an in-memory resolver; the HTTPS fetches of l= and
a= answer from memory (the tiny-ps logo, or the case's own file, and a mark certificate for the
domain embedding that logo, minted by tests.lab.pki). A case lists:
  expect: (check ID, status or statuses, words the finding's summary or fix must contain);
  never:  (check ID, statuses) that must not be reported;
  no_fail: no BIMI finding may be `fail`.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import pytest

from checks import bimi
from checks.findings import Finding
from checks.https import HttpsResult
from tests.blind_engine import E, N, fake_fetch, marks, reading_problems, run_engine
from tests.lab.pki import LabPKI, pem_chain

TINY_PS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'version="1.2" baseProfile="tiny-ps" viewBox="0 0 512 512"><title>Acme Widgets</title>'
    b'<rect width="512" height="512" fill="#ffffff"/>'
    b'<circle cx="256" cy="256" r="200" fill="#c8102e"/></svg>'
)
# Adobe Illustrator's default "SVG 1.1" export: no baseProfile, an xlink namespace, a <style>.
ILLUSTRATOR_11 = (
    b'<?xml version="1.0" encoding="utf-8"?>\r\n'
    b"<!-- Generator: Adobe Illustrator 27.0.0, SVG Export Plug-In . SVG Version: 6.00 -->\r\n"
    b'<svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" x="0px" y="0px" viewBox="0 0 512 512" '
    b'style="enable-background:new 0 0 512 512;" xml:space="preserve">\r\n'
    b'<style type="text/css">.st0{fill:#C8102E;}</style>\r\n'
    b'<circle class="st0" cx="256" cy="256" r="200"/>\r\n</svg>\r\n'
)
# A tiny-ps file saved on Windows: UTF-8 BOM and CRLF line ends, both allowed by XML 1.0.
TINY_PS_BOM_CRLF = b"\xef\xbb\xbf" + TINY_PS.replace(b"\n", b"\r\n") + b"\r\n"

PKI = LabPKI()
_VMCS: dict[str, bytes] = {}

REJECT = "v=DMARC1; p=reject; rua=mailto:dmarc-reports@{d}"


def vmc_for(domain: str) -> bytes:
    if domain not in _VMCS:
        _VMCS[domain] = pem_chain(PKI.vmc(domain, TINY_PS))
    return _VMCS[domain]


@dataclass
class Case:
    name: str
    domain: str
    zone: dict[Any, Any]
    expect: list[tuple[str, str | tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    never: list[tuple[str, str | tuple[str, ...]]] = field(default_factory=list)
    no_fail: bool = False
    files: dict[str, bytes] = field(default_factory=dict)  # URL -> body served there
    why: str = ""


def site(
    domain: str,
    record: Any = None,
    dmarc: str | None = REJECT,
) -> dict[Any, Any]:
    """A domain with MX, a DMARC record (p=reject unless told), and `record` at
    default._bimi (a string, a list of TXT records, or an rcode)."""
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["192.0.2.25"],
    }
    name = f"default._bimi.{domain}"
    if record in ("SERVFAIL", "NXDOMAIN"):
        zone[(name, "TXT")] = record  # an rcode
    elif isinstance(record, str):
        zone[(name, "TXT")] = [record]
    elif record is not None:
        zone[(name, "TXT")] = record
    if dmarc is not None:
        zone[(f"_dmarc.{domain}", "TXT")] = [dmarc.format(d=domain)]
    return zone


def logo(domain: str, path: str = "logo.svg") -> str:
    return f"https://bimi.{domain}/{path}"


def vmc(domain: str) -> str:
    return f"https://bimi.{domain}/vmc.pem"


def full(domain: str) -> str:
    return f"v=BIMI1; l={logo(domain)}; a={vmc(domain)}"


FAILS_02_TO_08 = [N(f"BIMI-0{i}", "fail") for i in range(2, 9)]
NOTHING_PAST_DISCOVERY = [N(f"BIMI-0{i}", ("pass", "warn", "fail")) for i in (3, 4, 5, 6, 7, 8)]

CASES: list[Case] = [
    # --- Record found, well-formed (Assertion Record; tag-list per DKIM) --------------------
    Case(
        "plain-vmc",
        "acme-widgets.com",
        site("acme-widgets.com", full("acme-widgets.com")),
        expect=[
            E("BIMI-01", "info", "publishes"),
            E("BIMI-02", "pass"),
            E("BIMI-05", "pass"),
            E("BIMI-08", "pass"),
        ],
        no_fail=True,
        why="v=BIMI1 first, one https l= to .svg, one https a=, DMARC p=reject.",
    ),
    Case(
        "no-evidence-tag",
        "bakery-lindqvist.se",
        site("bakery-lindqvist.se", f"v=BIMI1; l={logo('bakery-lindqvist.se')};"),
        expect=[E("BIMI-02", "pass"), E("BIMI-05", "warn")],
        no_fail=True,
        why="a= absent is an empty a= (draft); valid, but the large providers want a VMC: warn.",
    ),
    Case(
        "evidence-before-logo",
        "norrland-energi.se",
        site(
            "norrland-energi.se",
            f"v=BIMI1; a={vmc('norrland-energi.se')}; l={logo('norrland-energi.se')}",
        ),
        expect=[E("BIMI-02", "pass"), E("BIMI-05", "pass")],
        no_fail=True,
        why="ABNF comment: components other than bimi-version may appear in any order.",
    ),
    Case(
        "spaces-around-equals",
        "harbourview-dental.co.uk",
        site(
            "harbourview-dental.co.uk",
            f"v = BIMI1 ; l = {logo('harbourview-dental.co.uk')} ;\ta = "
            f"{vmc('harbourview-dental.co.uk')}",
        ),
        expect=[E("BIMI-02", "pass"), E("BIMI-05", "pass")],
        no_fail=True,
        why="bimi-version allows *WSP around '=', bimi-sep *WSP ';' *WSP, URIs [FWS] around.",
    ),
    Case(
        "split-strings",
        "kestrel-outfitters.com",
        site(
            "kestrel-outfitters.com",
            [
                [
                    "v=BIMI1; l=https://bimi.kestrel-outfitters.com/assets/brand/2024/",
                    "logo-tiny-ps.svg; a=https://bimi.kestrel-outfitters.com/vmc.pem",
                ]
            ],
        ),
        expect=[E("BIMI-02", "pass"), E("BIMI-05", "pass")],
        never=[N("BIMI-04", "fail")],
        no_fail=True,
        why="Character-strings are joined without a space (checklist §0, RFC 7208 §3.3).",
    ),
    Case(
        "unknown-tag-ignored",
        "ferrovia-parts.it",
        site("ferrovia-parts.it", full("ferrovia-parts.it") + "; z=96x96"),
        expect=[E("BIMI-02", "pass"), E("BIMI-05", "pass")],
        no_fail=True,
        why="An old draft's z= (size): unknown tags MUST be ignored.",
    ),
    Case(
        "beside-other-txt",
        "quillmark-press.com",
        site(
            "quillmark-press.com",
            [
                "google-site-verification=Zx3q9Lr0bT1kP8mN2vW5yA7cE4fH6jK0sD9gU1iO",
                full("quillmark-press.com"),
            ],
        ),
        expect=[E("BIMI-02", "pass")],
        no_fail=True,
        why="Discovery step 4 discards records not starting with v=BIMI1; one remains.",
    ),
    Case(
        "cname-to-provider",
        "saltmarsh-gin.com",
        {
            **site("saltmarsh-gin.com"),
            ("default._bimi.saltmarsh-gin.com", "CNAME"): ["saltmarsh-gin.bimi.brandhost.net."],
            ("saltmarsh-gin.bimi.brandhost.net", "TXT"): [
                "v=BIMI1; l=https://cdn.brandhost.net/saltmarsh-gin/logo.svg; a="
            ],
        },
        expect=[E("BIMI-01", "info", "publishes"), E("BIMI-02", "pass"), E("BIMI-05", "warn")],
        no_fail=True,
        why="The draft recommends CNAMEs to share records; the logo may live on any host.",
    ),
    Case(
        "uppercase-scheme-host",
        "orchid-bank.com",
        site("orchid-bank.com", "v=BIMI1; l=HTTPS://BIMI.Orchid-Bank.com/logo.svg; a="),
        expect=[E("BIMI-02", "pass")],
        never=[N("BIMI-04", "fail")],
        no_fail=True,
        why="RFC 3986 §3.1/§3.2.2: scheme and host are case-insensitive; 'HTTPS' is https.",
    ),
    # --- Version tag and record count (discovery steps 4-7, BIMI-02) ---------------------
    Case(
        "lowercase-version",
        "brightwater-pools.com",
        site("brightwater-pools.com", f"v=bimi1; l={logo('brightwater-pools.com')}; a="),
        expect=[E("BIMI-02", "fail", "v=BIMI1")],
        never=NOTHING_PAST_DISCOVERY + [N("BIMI-01", "pass")],
        why="The value MUST match precisely; receivers must not fix capitalisation.",
    ),
    Case(
        "leading-space",
        "redfern-legal.com.au",
        site("redfern-legal.com.au", f" v=BIMI1; l={logo('redfern-legal.com.au')}"),
        expect=[E("BIMI-02", "fail")],
        never=NOTHING_PAST_DISCOVERY,
        why="The record must start with the v= tag (%x76); a leading space is a syntax error.",
    ),
    Case(
        "utf8-bom",
        "mistral-cycles.fr",
        site("mistral-cycles.fr", f"\ufeffv=BIMI1; l={logo('mistral-cycles.fr')}; a="),
        expect=[E("BIMI-02", "fail")],
        never=NOTHING_PAST_DISCOVERY,
        why="A BOM pasted from a text editor: the record does not start with 'v'.",
    ),
    Case(
        "quoted-inside",
        "copperleaf-tea.com",
        site("copperleaf-tea.com", f'"v=BIMI1; l={logo("copperleaf-tea.com")}; a="'),
        expect=[E("BIMI-02", "fail", "quote")],
        never=NOTHING_PAST_DISCOVERY,
        why="Quotes typed into a panel that quotes again: the first character is '\"'.",
    ),
    Case(
        "two-records",
        "oakhollow-vineyards.com",
        site(
            "oakhollow-vineyards.com",
            [
                f"v=BIMI1; l={logo('oakhollow-vineyards.com')}; a=",
                f"v=BIMI1; l={logo('oakhollow-vineyards.com', 'logo-2025.svg')}; a=",
            ],
        ),
        expect=[E("BIMI-02", "fail", "2")],
        never=NOTHING_PAST_DISCOVERY,
        why="Step 7: multiple records terminate discovery; no fallback, no BIMI.",
    ),
    Case(
        "duplicate-l-tag",
        "wrenfield-books.com",
        site(
            "wrenfield-books.com",
            f"v=BIMI1; l={logo('wrenfield-books.com')}; "
            f"l={logo('wrenfield-books.com', 'new.svg')}; a=",
        ),
        expect=[E("BIMI-02", "fail", "more than once")],
        why="DKIM tag-list (RFC 6376 §3.2): a repeated tag makes the tag-list invalid.",
    ),
    # --- Discovery: absence, fallback, failure (BIMI-01) -------------------------------
    Case(
        "none-published",
        "stonebridge-insurance.com",
        site("stonebridge-insurance.com"),
        expect=[E("BIMI-01", "info", "no bimi record")],
        never=FAILS_02_TO_08 + [N("BIMI-01", ("fail", "warn", "error"))],
        why="BIMI is optional: absence is info.",
    ),
    Case(
        "subdomain-inherits",
        "news.halcyon-airlines.com",
        {
            **site("news.halcyon-airlines.com"),
            **site("halcyon-airlines.com", full("halcyon-airlines.com")),
        },
        expect=[E("BIMI-01", "info", "inherited"), E("BIMI-02", "pass"), E("BIMI-08", "pass")],
        no_fail=True,
        why="Step 5: an empty set at the author domain falls back to default._bimi.<org>.",
    ),
    Case(
        "subdomain-declines",
        "alerts.marlowe-pharma.com",
        {
            **site("alerts.marlowe-pharma.com", "v=BIMI1; l=; a=;"),
            **site("marlowe-pharma.com", full("marlowe-pharma.com")),
        },
        expect=[E("BIMI-03", "info", "declines")],
        never=[N("BIMI-05", ("pass", "warn", "fail"))],
        no_fail=True,
        why="Declination to Publish: a subdomain declines although its org domain has a logo.",
    ),
    Case(
        "servfail",
        "ridgeway-logistics.com",
        site("ridgeway-logistics.com", "SERVFAIL"),
        expect=[E("BIMI-01", "error")],
        never=[N("BIMI-01", "info")] + FAILS_02_TO_08,
        why="A lookup that could not be made is not an absent record.",
    ),
    # --- l= (BIMI-03, BIMI-04) ---------------------------------------------------------
    Case(
        "declination",
        "thornbury-school.org.uk",
        site("thornbury-school.org.uk", "v=BIMI1; l=; a=;"),
        expect=[E("BIMI-03", "info")],
        never=[N("BIMI-05", ("warn", "fail")), N("BIMI-08", "fail")],
        no_fail=True,
        why="The draft's own declination record.",
    ),
    Case(
        "declination-a-absent",
        "velvet-lane.com",
        site("velvet-lane.com", "v=BIMI1; l=;"),
        expect=[E("BIMI-03", "info")],
        never=[N("BIMI-05", ("warn", "fail"))],
        no_fail=True,
        why="'If the a= tag is not present, it is assumed to have an empty value.'",
    ),
    Case(
        "evidence-only",
        "meridian-trust.com",
        site("meridian-trust.com", f"v=BIMI1; a={vmc('meridian-trust.com')}"),
        expect=[E("BIMI-03", "fail")],
        why="Checklist BIMI-03's own bad example: a logo only in the VMC, no l=.",
    ),
    Case(
        "empty-logo-with-evidence",
        "aldergrove-clinic.ca",
        site("aldergrove-clinic.ca", f"v=BIMI1; l=; a={vmc('aldergrove-clinic.ca')}"),
        expect=[E("BIMI-03", "fail")],
        never=[N("BIMI-03", "info")],
        why="Only both empty decline; Indicator Discovery step 1 fails without a valid l=.",
    ),
    Case(
        "capital-L",
        "bluefin-sushi.com",
        site("bluefin-sushi.com", f"v=BIMI1; L={logo('bluefin-sushi.com')}; a="),
        expect=[E("BIMI-03", "fail", "case")],
        why="bimi-location is %x6c ('l'); 'L=' is an unknown tag, so l= is missing.",
    ),
    Case(
        "http-logo",
        "paloma-bakehouse.com",
        site("paloma-bakehouse.com", "v=BIMI1; l=http://paloma-bakehouse.com/logo.svg; a="),
        expect=[E("BIMI-04", "fail", "https")],
        why="HTTPS is the only supported transport.",
    ),
    Case(
        "png-logo",
        "summit-dental.com",
        site("summit-dental.com", f"v=BIMI1; l={logo('summit-dental.com', 'logo.png')}; a="),
        expect=[E("BIMI-04", "fail", "svg")],
        why="Supported Image Formats: another image suffix is a permanent error.",
    ),
    Case(
        "two-logo-urls",
        "everly-fashion.com",
        site(
            "everly-fashion.com",
            f"v=BIMI1; l={logo('everly-fashion.com')},https://cdn.everly-fashion.com/logo.svg; a=",
        ),
        expect=[E("BIMI-04", "fail")],
        why="l= holds a single URI, commas MUST be encoded (checklist BIMI-04).",
    ),
    Case(
        "svgz-logo",
        "fjordline-ferries.no",
        site("fjordline-ferries.no", f"v=BIMI1; l={logo('fjordline-ferries.no', 'logo.svgz')}"),
        files={logo("fjordline-ferries.no", "logo.svgz"): gzip.compress(TINY_PS)},
        expect=[E("BIMI-02", "pass"), E("BIMI-09", "pass")],
        never=[N("BIMI-04", "fail")],
        why="SVGZ is an accepted format; a= absent is BIMI-05's warn only.",
    ),
    Case(
        "cdn-path-no-suffix",
        "lumen-optics.de",
        site("lumen-optics.de", "v=BIMI1; l=https://assets.lumen-optics.de/brand/bimi?v=3; a="),
        expect=[E("BIMI-02", "pass"), E("BIMI-09", "pass")],
        never=[N("BIMI-04", "fail")],
        no_fail=True,
        why="Only a known other image suffix is an error; the served file decides.",
    ),
    # --- a= (BIMI-05) --------------------------------------------------------------------
    Case(
        "http-evidence",
        "cobalt-freight.com",
        site(
            "cobalt-freight.com",
            f"v=BIMI1; l={logo('cobalt-freight.com')}; a=http://bimi.cobalt-freight.com/vmc.pem",
        ),
        expect=[E("BIMI-05", "fail")],
        why="a= MUST specify https.",
    ),
    # --- avp= and lps= (BIMI-06, BIMI-07) ------------------------------------------------
    Case(
        "avp-personal-lps-ok",
        "hollis-partners.com",
        site(
            "hollis-partners.com",
            full("hollis-partners.com") + "; avp=personal; lps=sales,support,no-reply," + "a" * 63,
        ),
        expect=[E("BIMI-02", "pass")],
        never=[N("BIMI-06", "warn"), N("BIMI-07", "warn")],
        no_fail=True,
        why="avp=personal is valid; prefixes of ALPHA/DIGIT/'-', the longest 63 characters.",
    ),
    Case(
        "avp-capitalised",
        "seaborne-yachts.com",
        site("seaborne-yachts.com", full("seaborne-yachts.com") + "; avp=Brand"),
        expect=[E("BIMI-06", "warn", "avp=brand")],
        why="Values are case-sensitive and not repaired: 'Brand' is not brand.",
    ),
    Case(
        "lps-past-bounds",
        "tallgrass-ranch.com",
        site(
            "tallgrass-ranch.com",
            full("tallgrass-ranch.com") + "; lps=billing,first.last," + "b" * 64,
        ),
        expect=[E("BIMI-07", "warn", "first.last")],
        never=[N("BIMI-07", "pass")],
        why="'.' is outside ALPHA/DIGIT/'-', and 64 characters is past the 63 limit.",
    ),
    # --- DMARC prerequisites (BIMI-08; Authentication Requirements 6-8) -----------------
    Case(
        "dmarc-none",
        "cinderhouse-games.com",
        site(
            "cinderhouse-games.com",
            full("cinderhouse-games.com"),
            dmarc="v=DMARC1; p=none; rua=mailto:dmarc@cinderhouse-games.com",
        ),
        expect=[E("BIMI-08", "fail", "p=none")],
        why="Step 6: p=none, no BIMI.",
    ),
    Case(
        "quarantine-pct-50",
        "ashgrove-motors.com",
        site(
            "ashgrove-motors.com",
            full("ashgrove-motors.com"),
            dmarc="v=DMARC1; p=quarantine; pct=50; rua=mailto:d@ashgrove-motors.com",
        ),
        expect=[E("BIMI-08", "fail", "pct")],
        why="Step 8: with p=quarantine, pct MUST be 100.",
    ),
    Case(
        "reject-pct-10",
        "northgate-ventures.com",
        site(
            "northgate-ventures.com",
            full("northgate-ventures.com"),
            dmarc="v=DMARC1; p=reject; pct=10; rua=mailto:d@northgate-ventures.com",
        ),
        expect=[E("BIMI-08", "pass")],
        never=[N("BIMI-08", "fail")],
        why="The draft limits pct only for p=quarantine (checklist BIMI-08 likewise).",
    ),
    Case(
        "org-sp-none",
        "kingsford-textiles.com",
        site(
            "kingsford-textiles.com",
            full("kingsford-textiles.com"),
            dmarc="v=DMARC1; p=reject; sp=none; rua=mailto:d@kingsford-textiles.com",
        ),
        expect=[E("BIMI-08", "fail", "sp=none")],
        why="Step 7: a subdomain policy of sp=none, no BIMI, even for the domain itself.",
    ),
    Case(
        "dmarcbis-testing",
        "polaris-health.org",
        site(
            "polaris-health.org",
            full("polaris-health.org"),
            dmarc="v=DMARC1; p=reject; t=y; rua=mailto:d@polaris-health.org",
        ),
        expect=[E("BIMI-08", "fail", "t=y")],
        why="Checklist BIMI-08 heuristic: RFC 9989 t=y is not enforcing.",
    ),
    # --- The logo file (BIMI-09) ----------------------------------------------------------
    Case(
        "illustrator-svg-11",
        "bramble-cafe.com",
        site("bramble-cafe.com", f"v=BIMI1; l={logo('bramble-cafe.com')}; a="),
        files={logo("bramble-cafe.com"): ILLUSTRATOR_11},
        expect=[E("BIMI-09", "fail", "tiny-ps")],
        never=[N("BIMI-09", "pass")],
        why="SVG 1.1 without baseProfile=tiny-ps is not SVG Tiny PS (checklist BIMI-09).",
    ),
    Case(
        "tiny-ps-bom-crlf",
        "osprey-marine.com",
        site("osprey-marine.com", f"v=BIMI1; l={logo('osprey-marine.com')}; a="),
        files={logo("osprey-marine.com"): TINY_PS_BOM_CRLF},
        expect=[E("BIMI-09", "pass")],
        never=[N("BIMI-09", "fail")],
        why="XML 1.0 allows a UTF-8 BOM and CRLF line ends; the profile is tiny-ps.",
    ),
]


def run_case(case: Case) -> list[Finding]:
    # This round gives its files as bodies, and cuts them (and the marks) at max_bytes as the
    # real fetch does.
    files = {url: HttpsResult(url=url, status=200, body=body) for url, body in case.files.items()}
    fetch = fake_fetch(files, marks(vmc_for), rest=TINY_PS, cut=True)
    return run_engine(bimi, case.domain, case.zone, fetch=fetch).findings


def test_round_size_and_names() -> None:
    assert 30 <= len(CASES) <= 50, len(CASES)
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_blind_case(case: Case) -> None:
    findings = run_case(case)
    problems, shown = reading_problems(findings, case.expect, case.never, no_fail=case.no_fail)
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"


# ---------------------------------------------------------------------------------------------
# Read from the run's texts: a record discarded for a character before its version tag.


def _bimi02(case: Case) -> Finding:
    (found,) = [f for f in run_case(case) if f.id == "BIMI-02"]
    return found


def test_it_names_a_byte_order_mark_before_the_version_and_gives_the_record() -> None:
    # utf8-bom read "does not start with exactly 'v=BIMI1' ... (they must not fix
    # capitalisation)" with the invisible character quoted and no record: nothing the owner
    # could see or do. MTASTS-08 and TLSRPT-04 name such a character and give the record.
    record = "v=BIMI1; l=https://bimi.mistral-cycles.fr/logo.svg; a="
    for char, name in (("\ufeff", "byte order mark"), ("\u200b", "zero-width space")):
        found = _bimi02(Case("bom", "mistral-cycles.fr", site("mistral-cycles.fr", char + record)))
        assert str(found.status) == "fail"
        assert f"{name} (U+{ord(char):04X}) at the start" in found.summary
        assert "capitalisation" not in found.summary
        assert found.fix == f'default._bimi.mistral-cycles.fr. TXT "{record}"'


def test_it_says_a_leading_space_is_the_fault_not_capitalisation() -> None:
    found = _bimi02(CASES[[c.name for c in CASES].index("leading-space")])
    assert "starts with a space" in found.summary
    assert "capitalisation" not in found.summary
    assert found.fix.endswith('TXT "v=BIMI1; l=https://bimi.redfern-legal.com.au/logo.svg"')


def test_it_says_capitalisation_only_where_the_case_is_wrong() -> None:
    lower = _bimi02(CASES[[c.name for c in CASES].index("lowercase-version")])
    assert "capitalisation" in lower.summary and "'v=bimi1'" in lower.summary
    other = Case("v2", "quantaloop.io", site("quantaloop.io", "v=BIMI2; l=https://q.io/l.svg"))
    found = _bimi02(other)
    assert "capitalisation" not in found.summary and found.fix == ""


def test_it_gives_the_record_with_l_for_a_capital_L() -> None:
    # capital-L read "(tag names are case-sensitive: 'L=' is not 'l=')" with no record, while
    # the record meant is plain: the same tags, 'L' written 'l', the rest as published.
    (found,) = [
        f for f in run_case(CASES[[c.name for c in CASES].index("capital-L")]) if f.id == "BIMI-03"
    ]
    assert found.fix == (
        'default._bimi.bluefin-sushi.com. TXT "v=BIMI1; l=https://bimi.bluefin-sushi.com/logo.svg; a="'
    )
