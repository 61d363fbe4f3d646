"""Every DMARC fix keeps the owner's choices, except the one its finding is about and the
trials (pct, t=y) the record's findings say to end: every fix of a record is one record with
all its repairs (dmarc.RecordRepairs).

Owners copy a suggested record verbatim. The fixes used to drop sp=none / np=none whenever p
was enforcing (DMARC-07 warns of that separately), and pct, t=y, ri, rf, psd=y, fo without
ruf and unknown tags always: the DMARC-05 fix of 'v=DMARC1; sp=none; p=reject; rua=…' made
every subdomain enforce reject, a DMARC-03 fix quietly ended a t=y or pct=50 trial.

For each record below and each finding with a fix, the fix record
  (a) is a valid DMARC record (v=DMARC1 then p, valid policies, usable report addresses),
  (b) no longer raises that finding when the engine checks it, and
  (c) keeps every valid tag the owner wrote with the same value, except the tags the finding
      is about. Invalid values (receivers ignore them) are not choices and may be repaired or
      dropped; report addresses: every usable one is kept (unusable ones are DMARC-12's).
Unknown tags, ri and rf are kept as written: receivers ignore them, so keeping them is
harmless, and which of them matters to the owner is not ours to guess.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_spf import published, run

D = "example.com"
SUB = f"sub.{D}"  # exists (has MX): gets sp
GONE = f"gone.{D}"  # NXDOMAIN: RFC 9989 receivers give it np
RUA = "rua=mailto:d@example.com"
BASE: dict[Any, Any] = {
    (D, "TXT"): ["v=spf1 mx -all"],
    (D, "MX"): ["10 mx.example.com."],
    (SUB, "MX"): ["10 mx.example.com."],
}

# (record at _dmarc.example.com, checked domain)
RECORDS: list[tuple[str, str]] = [
    (f"v=DMARC1; sp=none; p=reject; {RUA}", D),
    (f"v=DMARC1; p=reject; sp=none; np=none; {RUA}", D),
    (f"v=DMARC1; p=reject; sp=quarantine; np=none; {RUA}", D),
    (f"v=DMARC1; p=quarantine; sp=none; pct=50; t=y; {RUA}; ri=3600; rf=afrf; fo=1; x-v=abc", D),
    (
        "v=DMARC1; p=none; sp=none; np=none; rua=mailto:d@example.com,mailto:e@example.com; "
        "ruf=mailto:f@example.com,mailto:g@example.com; fo=d:s; adkim=s; aspf=s",
        D,
    ),
    ("v=DMARC1; p=none; sp=reject; np=quarantine; adkim=s; aspf=s; psd=n", D),
    (f"v=dmarc1; p=reject; sp=none; np=none; psd=y; pct=50; t=y; {RUA}", D),
    (f'"v=DMARC1; p=reject; sp=none; {RUA}; t=y; ri=600"', D),
    (f"v=DMARC1; p=rejected; sp=none; np=reject; {RUA}; adkim=s", D),
    (f"v=DMARC1; {RUA}; sp=none; adkim=s; pct=100; t=n", D),
    (f"v=DMARC1; p:quarantine; sp=none; {RUA}; fo=1", D),
    (f"v=DMARC1; p=reject; sp=bogus; np=none; {RUA}; aspf=s", D),
    (f"v=DMARC1; p=reject; sp=none; np=bogus; {RUA}; t=y", D),
    (f"v=DMARC1; p=reject; sp=none; pct=200; {RUA}; psd=n", D),
    (
        f"v=DMARC1; p=reject; sp=none; np=none; pct=25; {RUA}; ruf=mailto:f@example.com; fo=1",
        D,
    ),
    (f"v=DMARC1; p=reject; sp=none; t=y; pct=50; psd=n; {RUA}", D),
    ("v=DMARC1; p=reject; sp=none; rua=dmarc@example.com; ri=86400", D),
    (
        "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com,https://r.example.com/x; "
        "ruf=bogus,mailto:f@example.com; fo=s",
        D,
    ),
    (f"v=DMARC1; p=reject; sp=none; {RUA}; mailto:e@example.com; np=none", D),
    (f"v=DMARC1; p=reject; sp=none; adkim=strict; aspf=x; {RUA}; pct=50", D),
    (f"v=DMARC1; p=reject; sp=none; p=quarantine; {RUA}; rua=mailto:e@example.com; t=y", D),
    (f"v=DMARC1; p=reject; sp:none; np:none; {RUA}; adkim:s; pct=50", D),
    (f"v=DMARC1; p=none; {RUA}; psd=y; sp=none", D),
    ("v=DMARC1; p=reject; psd=y; sp=none; pct=50; ri=3600", D),
    (f"v=DMARC1; p=quarantine; sp=none; np=none; {RUA}; rf=afrf; ri=3600; x=y; fo=0", D),
    ("v=DMARC1; p=none; sp=none; np=none; t=y; pct=50; fo=1; ri=3600; adkim=s", D),
    (f"v=DMARC1; p=reject; sp=none; aspf=s; adkim=s; psd=u; t=n; pct=100; {RUA}", D),
    ("V=DMARC1; P=Reject; SP=None; RUA=mailto:d@example.com; ADKIM=S", D),
    (f"v=DMARC1; p=reject; sp=none; np=none; {RUA}; pct=50; adkim=s", SUB),
    (f"v=DMARC1; p=reject; sp=quarantine; np=none; {RUA}; t=y; aspf=s", GONE),
    (f"v=DMARC1; p=reject; sp=none; np=none; {RUA}; fo=1", GONE),
    (f"v=DMARC1; p=none; sp=none; np=reject; {RUA}; adkim=s; pct=50", SUB),
    (f"v=DMARC1; p=none; np=none; {RUA}; t=y", GONE),
    (
        "v=DMARC1; p=reject; sp=none; pct=50; rua=mailto:d@example.com!10m; "
        "ruf=mailto:f@example.com!1k; fo=1",
        D,
    ),
    ("v=DMARC1; p=quarantine; rua=d@example.com!2m,mailto:e@example.com!0; t=y", D),
    (f"v=DMARC1; p=reject; sp:none; pct=50; {RUA}", D),
    (f"v=DMARC1; p=reject; sp=quarantine; np:none; t=y; {RUA}", GONE),
    (f"v=DMARC1; p=none; sp:reject; pct:50; t:y; psd:y; adkim:s; aspf:r; {RUA}", D),
    (f"v=DMARC1; p=reject; sp:reject; np:quarantine; pct:100; t:n; psd:u; {RUA}; fo:1", D),
    (f"v=dmarc1; p=reject; sp:none; pct:10; t:y; {RUA}", D),
]

NOT_A_TAG = "is not a DMARC tag"


def engine(record: str, domain: str) -> list[Finding]:
    return run(dmarc, domain, {**BASE, (f"_dmarc.{D}", "TXT"): [record]})


STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}


def lowering(record: str) -> set[str]:
    """Tags written with ':' (receivers ignore them) that, written with '=', would lower the
    protection receivers give now: a weaker sp or np than the policy applied to those names
    now, pct below 100, t=y, psd=y or psd=n. Only the fix about that element (DMARC-17) may
    write them; adkim:s, sp:reject under p=none and report tags raise or keep it, and every
    fix keeps them as the owner's choice."""
    parsed = dmarc.parse_dmarc(record)
    now = "none"
    applied = {}
    for tag in ("p", "sp", "np"):
        value = parsed.policy(tag)
        now = value or now
        applied[tag] = now
    if any(parsed.invalid_policy(t) for t in ("p", "sp", "np")):
        applied = dict.fromkeys(applied, "none")
    out = set()
    for tag in set(parsed.mistyped) - set(parsed.tags):
        value = (parsed.written(tag) or "").strip().lower()
        if tag in applied:
            lower = value in STRENGTH and STRENGTH[value] < STRENGTH[applied[tag]]
        elif tag == "pct":
            lower = value.isdigit() and int(value) < 100
        else:
            lower = (tag, value) in (("t", "y"), ("psd", "y"), ("psd", "n"))
        if lower:
            out.add(tag)
    return out


def choices(record: str, finding_id: str = "DMARC-03") -> dict[str, Any]:
    """The valid choices a record makes, by tag, in comparable form (invalid values left out:
    receivers ignore them). A tag written with ':' counts as written with '=', unless that
    lowers protection (`lowering`) for a fix other than DMARC-03's (receivers ignore a record
    DMARC-03 fails whole, so nothing it says lowers anything); a record pasted with its
    zone-file quotes is read without them (DMARC-03 says so)."""
    if record[:1] == record[-1:] == '"':
        record = record[1:-1]
    parsed = dmarc.parse_dmarc(record)
    out: dict[str, Any] = {}
    names = list(parsed.tags) + [t for t in parsed.mistyped if t not in parsed.tags]
    if finding_id != "DMARC-03":
        names = [t for t in names if t not in lowering(record)]
    for tag in names:
        value = (parsed.written(tag) or "").strip()
        low = value.lower()
        if tag == "v":
            continue
        if tag in ("p", "sp", "np"):
            if low in dmarc.POLICIES:
                out[tag] = low
        elif tag in ("rua", "ruf"):
            out[tag] = report_uris(parsed, tag)
        elif tag in ("adkim", "aspf"):
            if low in ("r", "s"):
                out[tag] = low
        elif tag == "fo":
            # The valid options; fo=0:1 is fo=1 (a report when any mechanism fails).
            values = {v for v in low.split(":") if v in ("0", "1", "d", "s")}
            if values:
                out[tag] = values - {"0"} if {"0", "1"} <= values else values
        elif tag == "pct":
            if value.isascii() and value.isdigit() and int(value) <= 100:
                out[tag] = int(value)
        elif tag == "t":
            if low in ("y", "n"):
                out[tag] = low
        elif tag == "psd":
            if low in ("y", "n", "u"):
                out[tag] = low
        else:  # ri, rf and unknown tags: as written
            out[tag] = value
    return out


def report_uris(parsed: dmarc.ParsedDmarc, tag: str) -> set[str]:
    """The usable report addresses of `tag` (kept_uris says which), each with the '!size'
    limit the record gives it: a limit is the owner's choice (RFC 7489 §6.2; obsolete syntax
    RFC 9989 §4.8 reporters ignore, so keeping it is harmless). Sizes are read from the
    record itself, not from kept_uris, so a fix dropping them is caught."""
    sources = [
        parsed.tags.get(tag, ""),
        parsed.mistyped.get(tag, "").partition(":")[2],
        *parsed.strays.get(tag, []),
    ]
    sizes: dict[str, str] = {}
    for source in sources:
        for uri in dmarc.parse_uris(source.strip()) if source.strip() else []:
            sizes.setdefault(uri.uri if uri.scheme else f"mailto:{uri.uri}", uri.size)
    out = set()
    for kept in dmarc.kept_uris(parsed, tag):
        (uri,) = dmarc.parse_uris(kept)
        out.add(uri.uri + (f"!{sizes[uri.uri]}" if sizes.get(uri.uri) else ""))
    return out


def about(finding: Finding) -> set[str]:
    """The tags a finding's fix may change."""
    text = finding.summary
    if finding.id == "DMARC-03":
        return {"v"}
    if finding.id in ("DMARC-05", "DMARC-07", "DMARC-16"):
        tag = text.split("=", 1)[0]
        return {tag} if tag in ("sp", "np", "adkim", "aspf") else {"p"}
    if finding.id == "DMARC-06":
        if "no report address" in text:
            return {"rua"}
        return {finding.evidence["tag"]}
    if finding.id == "DMARC-08":
        return {"pct"}
    if finding.id == "DMARC-09":
        return {"t"}
    if finding.id == "DMARC-10":
        return {"psd"}
    if finding.id == "DMARC-14":
        return {"fo"}
    if finding.id == "DMARC-19":
        # The views differ over pct, which RFC 9989 removed (DMARC-08).
        return {"pct"}
    if finding.id == "DMARC-12":
        return {"rua", "ruf"}
    if finding.id == "DMARC-17":
        # A repeat names the tag ('p'), an element written with ':' is quoted ('sp:none').
        return {text.split("'")[1].partition(":")[0]}
    raise AssertionError(f"no rule for {finding.id}: {text}")


def ended_by_all(record: str, domain: str) -> set[str]:
    """The trial tags every fix of the record leaves out once a finding asks it (pct: DMARC-08,
    -19; t=y: DMARC-09): each fix is the one record with all the record's repairs
    (dmarc.RecordRepairs), so publishing one does not bring another finding back."""
    found = [f for f in engine(record, domain) if f.fix.startswith(f"_dmarc.{D}. TXT ")]
    asks = {"DMARC-08": "pct", "DMARC-19": "pct", "DMARC-09": "t"}
    return {asks[f.id] for f in found if f.id in asks}


def assert_valid(record: str) -> None:
    """(a) A valid DMARC record: v=DMARC1, then a valid p; valid sp/np; usable report
    addresses only; no syntax problem but the unknown tags kept as written."""
    parsed = dmarc.parse_dmarc(record)
    assert parsed.is_dmarc, record
    assert parsed.order[:2] == ["v", "p"] and parsed.policy("p"), record
    for tag in ("sp", "np"):
        assert tag not in parsed.tags or parsed.policy(tag), record
    for tag in ("rua", "ruf"):
        assert all(u.valid for u in parsed.uris(tag)), record
    assert not parsed.strays and not parsed.mistyped, record
    assert all(NOT_A_TAG in p.message for p in parsed.problems), record


def cases() -> list[tuple[str, str, Finding]]:
    out = []
    for record, domain in RECORDS:
        for finding in engine(record, domain):
            # The records DMARC fixes propose (DMARC-13's is the report operator's; DMARC-18's
            # and some of DMARC-19's are steps in words).
            if finding.fix.startswith(f"_dmarc.{D}. TXT "):
                out.append((record, domain, finding))
    return out


CASES = cases()


def test_the_table_covers_every_dmarc_finding_with_a_fix() -> None:
    offered = {f.id for _, _, f in CASES}
    assert offered >= {f"DMARC-{n:02}" for n in (3, 5, 6, 7, 8, 9, 10, 12, 16, 17, 19)}


@pytest.mark.parametrize(
    ("record", "domain", "finding"),
    CASES,
    ids=[f"{f.id}:{r}@{d}:{f.summary[:40]}" for r, d, f in CASES],
)
def test_a_fix_keeps_every_choice_but_its_own(record: str, domain: str, finding: Finding) -> None:
    name, fixed = published(finding.fix)
    assert name == f"_dmarc.{D}"
    assert_valid(fixed)
    # (b) the engine no longer raises the finding on the fixed record.
    again = engine(fixed, domain)
    same = [
        f
        for f in again
        if (f.id, f.status, f.summary) == (finding.id, finding.status, finding.summary)
    ]
    assert not same, fixed
    if finding.status == Status.FAIL:
        assert not [f for f in again if f.id == finding.id and f.status == Status.FAIL], fixed
    # (c) every other choice kept, with the same value, but the trial every fix of the
    # record ends (RecordRepairs: one record with all the repairs, so none undoes another).
    mine = about(finding) | ended_by_all(record, domain)
    before, after = choices(record, finding.id), choices(fixed)
    for tag, value in before.items():
        if tag in mine:
            continue
        if tag in ("rua", "ruf"):
            assert value <= after.get(tag, set()), (tag, fixed)
        else:
            assert after.get(tag) == value, (tag, value, fixed)
    # Nothing the finding is not about is added either (an invalid value written may be
    # repaired: adkim=strict is adkim=s).
    written = set(dmarc.parse_dmarc(record).tags) | set(dmarc.parse_dmarc(record).mistyped)
    for tag in set(after) - written - mine - {"p"}:
        raise AssertionError(f"{tag} added by {finding.id}: {fixed}")
    # A tag written with ':' whose '=' form lowers protection is written only by the fix
    # about it: 'p=reject; sp:none' protects subdomains with reject until then.
    if finding.id != "DMARC-03":
        for tag in lowering(record) - mine:
            assert tag not in after, (tag, fixed)


def test_the_subdomain_policy_fix_raises_only_its_own_tag() -> None:
    # DMARC-07's own fix may raise sp or np: that is its finding. Each raises its own tag.
    found = engine(f"v=DMARC1; p=reject; sp=none; np=none; {RUA}", D)
    fixes = {f.summary[:2]: published(f.fix)[1] for f in found if f.id == "DMARC-07"}
    assert fixes == {
        "sp": f"v=DMARC1; p=reject; np=none; {RUA}",
        # np left out would inherit sp=none: still unprotected. So np is written as p.
        "np": f"v=DMARC1; p=reject; sp=none; np=reject; {RUA}",
    }


def test_the_order_fix_keeps_sp_none() -> None:
    (finding,) = [f for f in engine(f"v=DMARC1; sp=none; p=reject; {RUA}", D) if f.id == "DMARC-05"]
    assert published(finding.fix)[1] == f"v=DMARC1; p=reject; sp=none; {RUA}"


# ---- DMARC-02: the merged record keeps what every record agrees on ----------------------------


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [
                f"v=DMARC1; p=reject; sp=none; {RUA}; ri=3600; x=1",
                "v=DMARC1; p=reject; sp=none; ri=3600; x=1",
            ],
            f"v=DMARC1; p=reject; sp=none; {RUA}; ri=3600; x=1",
        ),
        (
            [f"v=DMARC1; p=reject; psd=y; {RUA}", "v=DMARC1; p=reject; psd=y; adkim=s"],
            f"v=DMARC1; p=reject; {RUA}; psd=y",
        ),
        # ri differs: neither value is what the owner chose for the record as a whole.
        (["v=DMARC1; p=none; ri=3600", "v=DMARC1; p=none; ri=600"], "v=DMARC1; p=none"),
    ],
)
def test_the_merged_record_keeps_the_tags_every_record_agrees_on(
    records: list[str], expected: str
) -> None:
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): records}
    (finding,) = [f for f in run(dmarc, D, zone) if f.id == "DMARC-02" and f.fix]
    fixed = published(finding.fix)[1]
    assert fixed == expected
    assert_valid(fixed)


# ---- BIMI-08 builds on the DMARC suggested record ---------------------------------------------

BIMI = f"v=BIMI1; l={LOGO}; a={CERT}"


@pytest.mark.parametrize(
    ("record", "mine"),
    [
        (f"v=DMARC1; p=none; sp=reject; np=none; adkim=s; {RUA}; ri=3600", {"p"}),
        (f"v=DMARC1; p=reject; sp=none; np=quarantine; pct=50; {RUA}; fo=1", {"sp"}),
        ("v=DMARC1; p=quarantine; pct=50; psd=n; ruf=mailto:f@example.com; fo=1", {"pct", "rua"}),
        (f"v=DMARC1; p=reject; t=y; np=none; aspf=s; {RUA}; x=1", {"t"}),
        (f"v=DMARC1; p=none; sp=none; np=none; t=n; {RUA}", {"p", "sp"}),
    ],
)
def test_the_bimi_fix_keeps_every_choice_but_enforcement(record: str, mine: set[str]) -> None:
    (finding,) = [f for f in bimi_run(BIMI, dmarc=record) if f.id == "BIMI-08"]
    assert finding.status == Status.FAIL
    name, fixed = published(finding.fix)
    assert name == f"_dmarc.{D}"
    assert_valid(fixed)
    again = [f for f in bimi_run(BIMI, dmarc=fixed) if f.id == "BIMI-08"]
    assert [f.status for f in again] == [Status.PASS], fixed
    before, after = choices(record), choices(fixed)
    for tag, value in before.items():
        if tag not in mine:
            assert after.get(tag) == value, (tag, value, fixed)
