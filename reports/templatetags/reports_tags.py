"""The TLS reporting card of the domain page: the `_smtp._tls` record to publish (RFC 8460 §3)
with our report addresses added to any rua the owner already has, and the dashboard link."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from checks import scoring, tlsrpt
from checks.dns import normalize, txt_fix
from checks.tlsrpt import TlsRptState
from reports.explain import ResultType
from reports.models import ReportAddress

register = template.Library()


def tlsrpt_reading(run: Any) -> TlsRptState | None:
    """The owner's TLS-RPT records as the latest check read them (TLSRPT-01's evidence, read
    by the engine's own rules: tlsrpt.stored_reading); None before any check."""
    if run is None:
        return None
    for finding in run.findings or []:
        if finding.get("id") == "TLSRPT-01":
            return tlsrpt.stored_reading(finding.get("evidence") or {})
    return None


def published_records(run: Any) -> list[str]:
    """Every TLS-RPT record the latest check found, in the order the engine merges them
    (tlsrpt.merge_order: the one senders use first, then by their text), not the DNS
    answer's, which resolvers rotate."""
    state = tlsrpt_reading(run)
    return [record.raw for record in tlsrpt.merge_order(state)] if state else []


def published_record(run: Any) -> str | None:
    """The owner's TLS-RPT record whose addresses the record to publish keeps: the one the
    latest check found or, when there are several, one naming every address they name, as
    the engine's fix merges them (its order, its reading of each: tlsrpt.usable_rua)."""
    records = published_records(run)
    if len(records) <= 1:
        return records[0] if records else None
    return _merged(records) or "v=TLSRPTv1; rua="


def _merged(records: list[str]) -> str | None:
    """One record naming every usable address of `records`, in their order (as the engine's
    fix merges them: tlsrpt.usable_rua); None when they name none."""
    uris: list[str] = []
    for record in records:
        uris += [uri for uri in tlsrpt.usable_rua(record) if uri not in uris]
    return f"v=TLSRPTv1; rua={','.join(uris)}" if uris else None


def misplaced_records(run: Any) -> list[tuple[str, str]]:
    """(name, record) of the TLS-RPT records the latest check found where senders never look
    (the apex, _smtp_tlsrpt, _tls._smtp: TLSRPT-01's evidence 'misplaced', looked up when
    _smtp._tls holds none); TLSRPT-01's fix moves them: their addresses kept, then deleted. At
    a null MX it names them too, to be deleted (receives_no_mail: the pages offer no record)."""
    for finding in (run.findings or []) if run is not None else []:
        if finding.get("id") == "TLSRPT-01":
            found = (finding.get("evidence") or {}).get("misplaced") or []
            return [(str(m.get("name", "")), str(m.get("record", ""))) for m in found]
    return []


def misplaced_deletes(run: Any) -> list[tuple[str, str, str]]:
    """What deletes each misplaced record (misplaced_records), as TLSRPT-01's fix says it
    (checks.dns.moved_fix): (name, alias target or '', the line to delete). A name that is an
    alias (CNAME, the evidence's 'alias') holds no TXT record: the record is the target's (no
    other data beside a CNAME, RFC 2181 §10.1), so the alias goes, once for all it reaches."""
    deletes: dict[str, tuple[str, str, str]] = {}
    for finding in (run.findings or []) if run is not None else []:
        if finding.get("id") != "TLSRPT-01":
            continue
        for found in (finding.get("evidence") or {}).get("misplaced") or []:
            name, record = str(found.get("name", "")), str(found.get("record", ""))
            target = normalize(str(found.get("alias") or ""))
            if target:
                line = f"{normalize(name)}. CNAME {target}."
                deletes.setdefault(line, (name, target, line))
            else:
                line = txt_fix(name, record)
                deletes.setdefault(line, (name, "", line))
        break
    return list(deletes.values())


def record_to_keep(run: Any) -> str | None:
    """The owner's record whose addresses the record to publish keeps: published_record, or
    with none at _smtp._tls, one naming every address of the misplaced records, as TLSRPT-01's
    fix moves them (tlsrpt.usable_rua)."""
    existing = published_record(run)
    return existing if existing is not None else moved_record(run)


def moved_record(run: Any) -> str | None:
    """One record naming every usable address of the misplaced records (misplaced_records),
    as TLSRPT-01's fix moves them to _smtp._tls; None when they name none."""
    return _merged([record for _, record in misplaced_records(run)])


def tlsrpt_alias_target(run: Any) -> str:
    """The name `_smtp._tls.<domain>` is an alias (CNAME) of, as TLSRPT-01's lookup followed
    it ('' for none). The engine writes every TLS-RPT record there: a TXT record cannot sit
    beside a CNAME (RFC 1034 §3.6.2)."""
    state = tlsrpt_reading(run)
    return state.answer.cnames[-1] if state and state.answer.cnames else ""


def does_not_exist(run: Any) -> bool:
    """True when the latest check found the domain not in the DNS at all (NXDOMAIN at the
    name: checks.scoring.DOES_NOT_EXIST in the evidence of its findings)."""
    if run is None:
        return False
    return any((f.get("evidence") or {}).get(scoring.DOES_NOT_EXIST) for f in run.findings or [])


def receives_no_mail(run: Any) -> bool:
    """True when the latest check found TLS reporting does not apply because the domain's MX
    is a null MX (RFC 7505, `MX 0 .`): it receives no mail, so no sender opens a TLS session
    to it and none has anything to report. TLSRPT-01 is "na" for a name that does not exist
    too (does_not_exist), which is no null MX."""
    if run is None or does_not_exist(run):
        return False
    return any(f.get("id") == "TLSRPT-01" and f.get("status") == "na" for f in run.findings or [])


def record_context(address: ReportAddress, run: Any) -> dict[str, Any]:
    """What the domain card and the dashboard say about the `_smtp._tls` record: the one to
    publish (ours added to the owner's addresses), and whether senders use ours already —
    only with exactly one record: with several, senders ignore them all (RFC 8460 §3). For a
    domain that receives no mail (null MX), `no_mail`: there is nothing to publish; for one
    that does not exist in the DNS, `does_not_exist`."""
    state = tlsrpt_reading(run)
    records = published_records(run)
    existing = published_record(run)
    used = state.record if state is not None and state.usable else None
    name = f"_smtp._tls.{address.domain_name}"
    alias_target = tlsrpt_alias_target(run)
    return {
        "address": address,
        "no_mail": receives_no_mail(run),
        # NXDOMAIN: no sender delivers mail to it, so none reports; the record is still shown,
        # for a domain registered just now whose zone is yet to be published.
        "does_not_exist": does_not_exist(run),
        # TLSRPT-01 could not look the name up: nothing is known of a record there, so the
        # record is offered without saying there is none ("could not check" is not "absent").
        "lookup_failed": state is not None and state.status == "error",
        "name": name,
        # With the name an alias, the record goes at its target (or the alias is deleted).
        "alias_target": alias_target,
        "record_at": alias_target or name,
        "records": records,
        # Several records senders count (TLSRPT-02): they ignore them all. A record that does
        # not begin with "v=TLSRPTv1;" beside a valid one is discarded, the valid one used.
        "several": state is not None and state.status == "multiple",
        "existing": existing,
        "record": address.rua_record(existing if existing is not None else moved_record(run)),
        # Records at a name senders never look: the record above keeps their addresses, and
        # each is deleted once it is published (TLSRPT-01's fix says the same).
        "misplaced": misplaced_deletes(run),
        # Our mailbox and our URL as senders read them (written 'tlsrpt%2B…' too), each a
        # whole URI of the rua list: '<our URL>x' is another address.
        "published": used is not None and address.named_in_rua([uri.uri for uri in used.uris]),
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
def about_domain(result_type: ResultType, domain: str) -> ResultType:
    """A result type's explanation naming the domain's own hosts (mta-sts.example.com) where
    it says `<domain>`: a page about one domain has no use for the placeholder."""
    return result_type.about(domain) if domain else result_type


@register.simple_tag
def tlsrpt_card(domain: Any) -> SafeString:
    address = ReportAddress.for_domain(domain)
    ctx = {"domain": domain, **record_context(address, domain.last_run)}
    return render_to_string("reports/domain_card.html", ctx)
