"""BIMI (draft-brand-indicators-for-message-identification; not an RFC yet).

The assertion record at `default._bimi.<domain>` (falling back to the organisational domain),
its tags, the DMARC prerequisites, and the logo's SVG Tiny Portable/Secure profile. The mark
certificate (BIMI-10) is not verified yet and is reported as such, never as passing.

`parse_bimi(text)` and `check_svg(data)` are pure and never raise.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.parsers import expat

from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.domainname import organizational_domain
from checks.findings import Collector, Finding, Mechanism, Status

MECHANISM = Mechanism.BIMI

SELECTOR = "default"
# BIMI Group guidance; receivers set their own limit (draft "Indicator Validation").
SVG_SIZE_WARN = 32 * 1024
SVG_FETCH_LIMIT = 512 * 1024
_TAG_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LPS_RE = re.compile(r"^[A-Za-z0-9-]{1,63}$")
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ANIMATION = {"animate", "animateMotion", "animateColor", "animateTransform", "set"}
FORBIDDEN = {"script", "foreignObject", "image", "video", "audio", "iframe"}


@dataclass
class ParsedBimi:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    is_bimi: bool = False  # v=BIMI1 is the first tag, exactly


def parse_bimi(text: str) -> ParsedBimi:
    """Tag-list parse of an assertion record. Never raises."""
    parsed = ParsedBimi(text=text if isinstance(text, str) else "")
    if not isinstance(text, str):
        return parsed
    parts = text.split(";")
    for index, part in enumerate(parts):
        if not part.strip(" \t\r\n"):
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip(" \t\r\n"), value.strip(" \t\r\n")
        if not sep or not _TAG_NAME_RE.match(name):
            parsed.errors.append(f"'{part.strip()}' is not a 'tag=value' pair")
            continue
        lname = name.lower()
        if index == 0:
            # Receivers MUST NOT fix capitalisation errors: exactly "v=BIMI1".
            parsed.is_bimi = name == "v" and value == "BIMI1"
        if lname in parsed.tags:
            parsed.errors.append(f"the tag '{lname}' appears more than once")
            continue
        parsed.tags[lname] = value
        parsed.order.append(lname)
    return parsed


def check_https_uri(uri: str, *, svg: bool) -> str:
    """'' when `uri` is one HTTPS URL with a host (and an .svg/.svgz path when `svg`)."""
    if "," in uri:
        return "only one URL is allowed"
    try:
        parts = urlsplit(uri)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme.lower() != "https":
        return "it must be an https:// URL"
    host = (parts.hostname or "").rstrip(".")
    if not host or "." not in host or not port_ok:
        return "it must name a fully qualified host"
    if svg and not parts.path.lower().endswith((".svg", ".svgz")):
        return "the logo must be an SVG file (.svg or .svgz)"
    return ""


@dataclass
class SvgReport:
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Doctype(Exception):
    pass


def _refuse_doctype(*args: Any) -> None:
    raise _Doctype


def _has_doctype(data: bytes) -> bool:
    """Whether the XML declares a DOCTYPE or an entity, as expat reads it: a byte search alone
    misses one written in UTF-16 (or any encoding the XML declaration names)."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    try:
        parser.Parse(data, True)
    except _Doctype:
        return True
    return False


def check_svg(data: bytes) -> SvgReport:
    """SVG Tiny Portable/Secure profile checks on a logo body. Never raises.

    The XML is parsed only after refusing any DOCTYPE: without a DTD there are no external or
    custom entities, so no entity expansion or external fetch can happen.
    """
    report = SvgReport()
    if not isinstance(data, bytes | bytearray):
        report.problems.append("the logo is not a file")
        return report
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=31)
            data = inflater.decompress(data, SVG_FETCH_LIMIT + 1)
        except zlib.error:
            report.problems.append("the .svgz file is not valid gzip")
            return report
        report.facts["compressed"] = True
    report.facts["bytes"] = len(data)
    if len(data) > SVG_SIZE_WARN:
        report.warnings.append(
            f"the logo is {len(data) // 1024} KB; keep it under 32 KB, larger files may be ignored"
        )
    try:
        has_doctype = _has_doctype(data)
    except (expat.ExpatError, ValueError, UnicodeError, RecursionError):
        report.problems.append("the file is not well-formed XML")
        return report
    if has_doctype:
        report.problems.append(
            "the file contains a DOCTYPE/ENTITY declaration, which SVG Tiny PS does not allow"
        )
        return report
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError, UnicodeError, RecursionError):
        report.problems.append("the file is not well-formed XML")
        return report
    if _local(root.tag) != "svg":
        report.problems.append("the file is not an SVG image")
        return report
    version = root.get("version")
    profile = root.get("baseProfile")
    report.facts.update({"version": version, "baseProfile": profile})
    if profile != "tiny-ps":
        found = f"is {profile!r}" if profile is not None else "is missing"
        report.problems.append(f'baseProfile {found}, it must be "tiny-ps"')
    if version != "1.2":
        found = f"is {version!r}" if version is not None else "is missing"
        report.problems.append(f'version {found}, it must be "1.2"')
    if not any(_local(child.tag) == "title" for child in root):
        report.problems.append("the SVG has no <title> element")
    seen: set[str] = set()
    for element in root.iter():
        name = _local(element.tag)
        if name in FORBIDDEN:
            seen.add(f"<{name}>")
        if name in ANIMATION:
            seen.add(f"animation (<{name}>)")
        for attr, value in element.attrib.items():
            attr_name = _local(attr)
            if (attr == XLINK_HREF or attr_name == "href") and not value.strip().startswith("#"):
                seen.add(f"an external reference ({value[:60]})")
            if attr_name.lower().startswith("on"):
                seen.add(f"an event handler ({attr_name})")
    for item in sorted(seen):
        report.problems.append(f"the SVG contains {item}, not allowed in SVG Tiny PS")
    if root.get("x") is not None or root.get("y") is not None:
        report.problems.append("the root <svg> must not have x or y attributes")
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) != float(box[3]):
            report.warnings.append("the logo is not square; mailbox providers crop it to a square")
    except ValueError:
        report.warnings.append("the viewBox attribute is not valid")
    report.ok = not report.problems
    return report


@dataclass
class BimiLookup:
    name: str
    answer: DnsAnswer
    records: list[str]
    near: list[str]


def _lookup(name: str, answer: DnsAnswer) -> BimiLookup:
    records: list[str] = []
    near: list[str] = []
    for text in [] if answer.failed else answer.texts():
        if parse_bimi(text).is_bimi:
            records.append(text)
        elif "bimi1" in text.lower():
            near.append(text)
    return BimiLookup(name, answer, records, near)


def _null_mx(mx: DnsAnswer) -> bool:
    return bool(mx.records) and all(
        getattr(r, "exchange", None) is not None and r.exchange.to_text() == "." for r in mx.records
    )


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    domain = normalize(ctx.domain)
    org = organizational_domain(domain, ctx.config.extra_public_suffixes)
    names = list(dict.fromkeys([domain, org]))
    answers, mx = await asyncio.gather(
        asyncio.gather(*(ctx.dns.query(f"{SELECTOR}._bimi.{n}", "TXT") for n in names)),
        ctx.dns.query(domain, "MX"),
    )
    lookups = [_lookup(f"{SELECTOR}._bimi.{n}", a) for n, a in zip(names, answers, strict=True)]
    # Assertion record discovery: the author domain first, then the organisational domain.
    chosen: BimiLookup | None = None
    for look in lookups:
        if look.answer.failed:
            out.add(
                "BIMI-01",
                Status.ERROR,
                f"Could not look up the BIMI record at {look.name} "
                f"({look.answer.describe_failure()}); BIMI was not checked.",
                subject=look.name,
                evidence={"dns": look.answer.evidence()},
            )
            return out.findings
        if look.records or look.near:
            chosen = look
            break
    if chosen is None:
        null = _null_mx(mx)
        out.add(
            "BIMI-01",
            Status.INFO,
            f"{domain} publishes no BIMI record"
            + (
                " (it does not receive mail, so BIMI does not apply)."
                if null
                else "; BIMI is optional and lets mailbox providers show your logo."
            ),
            subject=lookups[0].name,
            evidence={"dns": [look.answer.evidence() for look in lookups]},
        )
        return out.findings

    subject = chosen.name
    evidence: dict[str, Any] = {"dns": chosen.answer.evidence()}
    if chosen.near and not chosen.records:
        out.add(
            "BIMI-02",
            Status.FAIL,
            f"The record at {subject} does not start with exactly 'v=BIMI1', so mail receivers "
            "ignore it (they must not fix capitalisation): " + chosen.near[0],
            subject=subject,
            evidence=evidence,
        )
        return out.findings
    if len(chosen.records) > 1:
        out.add(
            "BIMI-02",
            Status.FAIL,
            f"{subject} has {len(chosen.records)} BIMI records; receivers then ignore all of "
            "them. Keep exactly one.",
            subject=subject,
            evidence=evidence,
        )
        return out.findings
    parsed = parse_bimi(chosen.records[0])
    out.add(
        "BIMI-01",
        Status.INFO,
        f"{domain} publishes a BIMI record"
        + ("." if subject.endswith("." + domain) else f" (inherited from {subject})."),
        subject=subject,
        evidence=evidence,
    )
    if parsed.errors:
        out.add(
            "BIMI-02",
            Status.FAIL,
            "The BIMI record's syntax is invalid: " + "; ".join(parsed.errors) + ".",
            subject=subject,
            evidence=evidence,
        )
    else:
        out.add(
            "BIMI-02", Status.PASS, "Exactly one valid BIMI record is published.", subject=subject
        )

    tags = parsed.tags
    logo = tags.get("l")
    cert = tags.get("a")
    if logo is None:
        out.add(
            "BIMI-03",
            Status.FAIL,
            "The BIMI record has no l= tag with the logo URL, which is required.",
            subject=subject,
            evidence=evidence,
        )
    elif logo == "" and not cert:
        out.add(
            "BIMI-03",
            Status.INFO,
            f"The BIMI record declines to publish a logo (empty l= and a=) for {domain}.",
            subject=subject,
            evidence=evidence,
        )
        return out.findings
    _optional_tags(out, subject, tags)
    await _dmarc_prerequisites(out, ctx, domain)

    if cert is None or cert == "":
        out.add(
            "BIMI-05",
            Status.WARN,
            "The BIMI record has no mark certificate (a=); the large mailbox providers only "
            "show logos backed by a VMC or CMC.",
            subject=subject,
            evidence=evidence,
        )
    else:
        problem = check_https_uri(cert, svg=False)
        if problem:
            out.add(
                "BIMI-05",
                Status.FAIL,
                f"The certificate URL a={cert} is invalid: {problem}.",
                subject=subject,
                evidence=evidence,
            )
        else:
            out.add(
                "BIMI-05",
                Status.PASS,
                "The mark certificate URL is a valid HTTPS URL.",
                subject=subject,
            )
            out.add(
                "BIMI-10",
                Status.INFO,
                "The mark certificate (VMC/CMC) is not checked yet.",
                subject=cert,
            )

    if logo:
        problem = check_https_uri(logo, svg=True)
        if problem:
            out.add(
                "BIMI-04",
                Status.FAIL,
                f"The logo URL l={logo} is invalid: {problem}.",
                subject=subject,
                evidence=evidence,
            )
        else:
            await _logo(out, ctx, logo)
    return out.findings


def _optional_tags(out: Collector, subject: str, tags: dict[str, str]) -> None:
    if "avp" in tags and tags["avp"].strip().lower() not in ("brand", "personal"):
        out.add(
            "BIMI-06",
            Status.WARN,
            f"avp={tags['avp']} is not valid (brand or personal); receivers use 'brand'.",
            subject=subject,
        )
    if "lps" in tags:
        bad = [p for p in tags["lps"].split(",") if not _LPS_RE.match(p.strip())]
        if bad:
            out.add(
                "BIMI-07",
                Status.WARN,
                "lps= must list local-part prefixes of letters, digits and '-' (1-63 "
                f"characters) separated by commas; invalid: {', '.join(bad)}.",
                subject=subject,
            )


async def _dmarc_prerequisites(out: Collector, ctx: CheckContext, domain: str) -> None:
    """BIMI-08: receivers only show logos for domains with an enforcing DMARC policy."""
    from checks import dmarc  # at run time, so the modules cannot import-cycle

    policy = await dmarc.get_policy(ctx)
    if policy.could_not_check:
        out.add(
            "BIMI-08",
            Status.ERROR,
            "Could not look up the DMARC policy BIMI depends on; the DMARC prerequisite was "
            "not checked.",
            subject=domain,
        )
        return
    parsed = policy.applied
    reasons: list[str] = []
    if parsed is None:
        reasons.append("there is no DMARC policy")
    else:
        p = parsed.policy("p") or "none"
        if p == "none":
            reasons.append("the DMARC policy is p=none")
        if parsed.policy("sp") == "none":
            reasons.append("the subdomain policy is sp=none")
        pct = parsed.pct
        if p == "quarantine" and pct is not None and pct != 100:
            reasons.append(f"p=quarantine applies to only pct={pct}% of mail")
        if parsed.testing:
            reasons.append("t=y puts DMARC in testing mode")
    if reasons:
        at = policy.applied_domain or domain
        out.add(
            "BIMI-08",
            Status.FAIL,
            "Mailbox providers will not show the logo because "
            + " and ".join(reasons)
            + "; BIMI needs p=quarantine (pct=100) or p=reject.",
            subject=f"_dmarc.{at}",
            evidence={"dmarc": parsed.text if parsed else None, "views": policy.views()},
            fix=f'_dmarc.{at}. TXT "'
            + dmarc.suggested_record(at, parsed, "reject").replace('"', '\\"')
            + '"',
        )
    else:
        out.add(
            "BIMI-08",
            Status.PASS,
            "The DMARC policy is enforcing, as BIMI requires.",
            subject=domain,
        )


async def _logo(out: Collector, ctx: CheckContext, url: str) -> None:
    try:
        from checks import https
    except ImportError:  # the guarded HTTPS client is not available in this build
        out.add("BIMI-09", Status.INFO, "The logo's SVG profile is not checked yet.", subject=url)
        return
    result = await https.fetch(ctx, url, max_bytes=SVG_FETCH_LIMIT)
    evidence = result.evidence()
    if result.error_kind == "tls-cert":
        out.add(
            "BIMI-04",
            Status.FAIL,
            f"The logo's web server presents a certificate that is not trusted "
            f"({result.error}); receivers will not fetch the logo.",
            subject=url,
            evidence=evidence,
        )
        return
    if result.error_kind is not None or result.status is None:
        kind = result.error_kind or "unknown"
        if result.dns_failed or kind in ("timeout", "connect", "refused-target"):
            out.add(
                "BIMI-09",
                Status.ERROR,
                f"Could not fetch the logo from {url} ({result.error}); its SVG profile was "
                "not checked.",
                subject=url,
                evidence=evidence,
            )
        else:
            out.add(
                "BIMI-09",
                Status.FAIL,
                f"The logo could not be fetched from {url}: {result.error}.",
                subject=url,
                evidence=evidence,
            )
        return
    if result.status != 200:
        out.add(
            "BIMI-09",
            Status.FAIL,
            f"The logo URL answers HTTP {result.status} instead of serving the SVG file.",
            subject=url,
            evidence=evidence,
        )
        return
    if result.truncated:
        out.add(
            "BIMI-09",
            Status.FAIL,
            f"The logo is larger than {SVG_FETCH_LIMIT // 1024} KB; receivers will not use it.",
            subject=url,
            evidence=evidence,
        )
        return
    svg = check_svg(result.body)
    evidence["svg"] = svg.facts
    if svg.problems:
        out.add(
            "BIMI-09",
            Status.FAIL,
            "The logo is not a valid SVG Tiny Portable/Secure file: "
            + "; ".join(svg.problems)
            + ".",
            subject=url,
            evidence=evidence,
        )
    else:
        out.add(
            "BIMI-09",
            Status.PASS,
            "The logo is an SVG Tiny Portable/Secure file.",
            subject=url,
            evidence=evidence,
        )
    for warning in svg.warnings:
        out.add("BIMI-09", Status.WARN, f"The logo: {warning}.", subject=url, evidence=evidence)
