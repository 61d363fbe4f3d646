"""The TLS reporting card of the domain page: the `_smtp._tls` record to publish (RFC 8460 §3)
with our report addresses added to any rua the owner already has, and the dashboard link."""

from __future__ import annotations

import re
from typing import Any

from django import template

from reports.models import ReportAddress

register = template.Library()

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def published_record(run: Any) -> str | None:
    """The TLS-RPT record the latest check found (TLSRPT-01 evidence, presentation form:
    one or more quoted strings, concatenated as RFC 8460 §3 says)."""
    if run is None:
        return None
    for finding in run.findings or []:
        if finding.get("id") != "TLSRPT-01":
            continue
        for answer in (finding.get("evidence") or {}).get("answers") or []:
            parts = _QUOTED.findall(answer)
            text = "".join(p.replace('\\"', '"').replace("\\\\", "\\") for p in parts) or answer
            if text.startswith("v=TLSRPTv1"):
                return text
    return None


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


@register.inclusion_tag("reports/domain_card.html")
def tlsrpt_card(domain: Any) -> dict[str, Any]:
    address = ReportAddress.for_domain(domain)
    existing = published_record(domain.last_run)
    record = address.rua_record(existing)
    ours = [f"mailto:{address.mailto}", address.https_url]
    return {
        "domain": domain,
        "address": address,
        "name": f"_smtp._tls.{domain.name}",
        "existing": existing,
        "record": record,
        "published": bool(existing) and all(uri in existing for uri in ours),
    }
