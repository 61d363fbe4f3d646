"""The TLS reporting card of the domain page: the `_smtp._tls` record to publish (RFC 8460 §3)
with our report addresses added to any rua the owner already has, and the dashboard link."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from reports.explain import ResultType
from reports.models import ReportAddress

register = template.Library()

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def published_records(run: Any) -> list[str]:
    """Every TLS-RPT record the latest check found (TLSRPT-01 evidence, presentation form:
    one or more quoted strings, concatenated as RFC 8460 §3 says)."""
    if run is None:
        return []
    records: list[str] = []
    for finding in run.findings or []:
        if finding.get("id") != "TLSRPT-01":
            continue
        for answer in (finding.get("evidence") or {}).get("answers") or []:
            parts = _QUOTED.findall(answer)
            text = "".join(p.replace('\\"', '"').replace("\\\\", "\\") for p in parts) or answer
            if text.startswith("v=TLSRPTv1"):
                records.append(text)
        break
    return records


def published_record(run: Any) -> str | None:
    """The owner's TLS-RPT record whose addresses the record to publish keeps: the one the
    latest check found or, when there are several (TLSRPT-02: senders then ignore them all),
    one naming every address they name."""
    records = published_records(run)
    if len(records) <= 1:
        return records[0] if records else None
    uris: list[str] = []
    for record in records:
        for part in record.split(";"):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "rua":
                uris += [u.strip() for u in value.split(",") if u.strip() not in uris]
    return f"v=TLSRPTv1; rua={','.join(uris)}"


def receives_no_mail(run: Any) -> bool:
    """True when the latest check found TLS reporting does not apply: TLSRPT-01 is "na" only
    for a domain whose MX is a null MX (RFC 7505, `MX 0 .`), which receives no mail, so no
    sender opens a TLS session to it and none has anything to report."""
    if run is None:
        return False
    return any(f.get("id") == "TLSRPT-01" and f.get("status") == "na" for f in run.findings or [])


def record_context(address: ReportAddress, run: Any) -> dict[str, Any]:
    """What the domain card and the dashboard say about the `_smtp._tls` record: the one to
    publish (ours added to the owner's addresses), and whether senders use ours already —
    only with exactly one record: with several, senders ignore them all (RFC 8460 §3). For a
    domain that receives no mail (null MX), `no_mail`: there is nothing to publish."""
    records = published_records(run)
    existing = published_record(run)
    ours = [f"mailto:{address.mailto}", address.https_url]
    return {
        "address": address,
        "no_mail": receives_no_mail(run),
        "name": f"_smtp._tls.{address.domain_name}",
        "records": records,
        "several": len(records) > 1,
        "existing": existing,
        "record": address.rua_record(existing),
        "published": len(records) == 1 and all(uri in records[0] for uri in ours),
    }


@register.filter
def alert_fix_heading(change: Any) -> str:
    """The heading of an alert's advice: a fix for what our checks found; for a failure type
    senders reported, what likely causes it (a guess from the type); else what to do."""
    from reports.alerts import KIND_NEW_TYPE, UNKNOWN_TYPES

    kind = str(getattr(change, "kind", ""))
    if not kind.startswith("tlsrpt-"):
        return "How to fix it:"
    if kind == KIND_NEW_TYPE and getattr(change, "subject", "") != UNKNOWN_TYPES:
        return "Likely cause:"
    return "What to do:"


@register.filter
def percent(value: float | None) -> str:
    """A failure rate in percent to two decimals, as the dashboard shows them; a rate that
    would round to 0.00 but is not zero (3 failed sessions in a million) says < 0.01 %, never
    that nothing failed, and one that would round to 100.00 but is not 100 says > 99.99 %,
    never that nothing got through."""
    if value is None:
        return ""
    if 0 < value < 0.005:
        return "< 0.01 %"
    if 99.995 <= value < 100:
        return "> 99.99 %"
    return f"{value:.2f} %"


@register.filter
def about_domain(result_type: ResultType, domain: str) -> ResultType:
    """A result type's explanation naming the domain's own hosts (mta-sts.example.com) where
    it says `<domain>`: a page about one domain has no use for the placeholder."""
    return result_type.about(domain) if domain else result_type


@register.simple_tag
def tlsrpt_card(domain: Any) -> SafeString:
    address = ReportAddress.for_domain(domain)
    ctx = {"domain": domain, **record_context(address, domain.last_run)}
    return render_to_string("reports/domain_card.html", ctx)
