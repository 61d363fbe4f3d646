"""Hosted MTA-STS views: the policy server and Caddy's `ask` (reached through the host-dispatch
middleware), and the team's hosting page with its POST actions (not a viewer's)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from mailsec.accounts.scope import get_domain_or_404, get_domain_to_change_or_404
from mailsec.accounts.templatetags.zones import reader_time
from mailsec.domains.models import Domain
from mailsec.domains.views import htmx_login_required
from mailsec.hosting import caa, lookups, service
from mailsec.hosting import policy as rules
from mailsec.hosting.forms import PolicySettingsForm, SuggestionForm
from mailsec.hosting.models import FLAP_UNDONE, MX_STABLE_HOURS, HostedPolicy, HostingEvent
from mailsec.hosting.readiness import enforce_readiness, seen_policy
from mailsec.hosting.zone import PolicyZone
from reports.models import ReportAddress
from reports.templatetags.reports_tags import misplaced_deletes, moved_record, record_to_keep


def not_found() -> HttpResponse:
    # Plain and short: nothing of the app's pages or templates on customers' names.
    return HttpResponseNotFound(b"Not found\r\n", content_type="text/plain")


def serve_policy(request: HttpRequest, domain: str) -> HttpResponse:
    """GET https://mta-sts.<domain>/.well-known/mta-sts.txt and nothing else (RFC 8461 §3.3).
    HEAD answers as GET without the body (RFC 9110 §9.3.2): a 404 there would tell a monitor
    or `curl -I` that the policy is missing while senders fetch it fine."""
    if request.method not in ("GET", "HEAD") or request.path_info != rules.POLICY_PATH:
        return not_found()
    # A Host that no domain name can be (a NUL byte, a space, a label past 63 characters) is
    # no policy name: refused before the database is asked, as ask() refuses it (PostgreSQL
    # text cannot hold NUL, and the query itself failed with 500).
    if not _SNI_NAME.fullmatch(f"mta-sts.{domain}"):
        return not_found()
    # Not evidence that mta-sts.<domain> leads here (HostedPolicy.policy_host_seen_at): any
    # client reaching our public site over TLS may send this Host (Caddy's catch-all site
    # proxies every Host, and does not hold it to the handshake's name), so it would let
    # anyone have a name never ours told as having left us. Caddy's `ask` checks the name.
    policy = HostedPolicy.objects.servable().filter(name=domain).only("text").first()
    if policy is None or not policy.text:
        return not_found()
    # servable_text: a stored text must never make this answer 500 (every sender would
    # report sts-policy-fetch-error); texts rendered now come out unchanged.
    body = rules.servable_text(policy.text).encode("ascii")
    response = HttpResponse(body, content_type="text/plain")
    response["Content-Length"] = str(len(body))  # exact framing, never chunked through a proxy
    response["Cache-Control"] = "no-cache"  # senders must see a new text as soon as the id moves
    response["X-Content-Type-Options"] = "nosniff"
    if request.method == "HEAD":
        response.content = b""  # Content-Length stays that of the GET body
    return response


# A TLS client's server name as Caddy passes it: ASCII letters, digits and hyphens in dotted
# labels (RFC 6066 §3, A-labels). Anything else is refused before the database is asked: a NUL
# byte, which PostgreSQL text cannot hold, made the query itself fail (500).
_SNI_NAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)


def ask(request: HttpRequest) -> HttpResponse:
    """Caddy's on-demand TLS gate: 200 only for mta-sts.<d> of a hosted, verified domain whose
    mta-sts name leads to our policy host. Anything else gets no certificate, which also keeps
    strangers from making us spend ACME rate limits on their names."""
    # One trailing dot is the absolute form of the name; more than one is an empty label,
    # no server name (RFC 6066 §3), and must not be read as ours.
    name = request.GET.get("domain", "").strip().lower().removesuffix(".")
    if not name.startswith("mta-sts.") or not _SNI_NAME.fullmatch(name):
        return HttpResponse(b"not a policy host\n", status=403, content_type="text/plain")
    domain = name.removeprefix("mta-sts.")
    policy = HostedPolicy.objects.servable().filter(name=domain).only("policy_host_seen_at").first()
    if policy is None:
        return HttpResponse(b"not hosted\n", status=403, content_type="text/plain")
    ok, detail = asyncio.run(lookups.points_at_us(lookups.client(), name))
    if not ok:
        return HttpResponse(detail.encode() + b"\n", status=403, content_type="text/plain")
    # A TLS handshake with this name arrived here while it leads to our policy host: the
    # name led to us since hosting began (service.policy_host_told).
    policy.note_seen(timezone.now())
    return HttpResponse(b"ok\n", content_type="text/plain")


# --- The owner's page --------------------------------------------------------------------------


# A record's state before its lookup: the page gives the values at once, and the records
# partial (hosting:records) the state.
PENDING = "pending"


@dataclass
class RecordRow:
    name: str
    rtype: str
    value: str
    state: str  # ok | missing | stale | invalid | error | info | pending
    detail: str
    alternative: str = ""
    # False while the value is still a placeholder (no policy id before hosting is on): a
    # Copy button would copy text that is no record.
    copyable: bool = True
    # The name as a DNS panel for the registered domain wants it typed (most add the zone to
    # a full name): `mta-sts` for `mta-sts.example.org`.
    host: str = ""
    # Once hosting is off (released): the "Still there?" words for the state, which say what
    # is published (_released_rows); "" for the state's own words.
    badge: str = ""


def _records(domain: Domain, policy: HostedPolicy | None, live: bool) -> list[RecordRow]:
    """The records to publish. `live`: with their state, from DNS lookups that end within
    service.HOSTING_WEB_BUDGET together (the policy host's takes up to three in a row, and the
    web server kills a request at 30 s whatever MAILSEC_CHECK_TIMEOUT is); without it, the
    values alone (no lookup) in state "pending", for the page to give at once (the records
    partial brings the state)."""
    zone = PolicyZone.from_settings()
    zone_name = zone.record_name(domain.name) if zone else ""
    policy_id = policy.policy_id if policy else ""
    plain = f"v=STSv1; id={policy_id};" if policy_id else "v=STSv1; id=<the policy id>;"
    host_state = sts_state = PENDING
    host_detail = sts_detail = ""
    tlsrpt: list[str] | lookups.LookupFailure | None = None
    reading: caa.CaaReading | None = None
    released = policy is not None and policy.state == HostedPolicy.State.OFF
    host_badge = sts_badge = ""
    if live:
        dns = lookups.press_client(service.HOSTING_WEB_BUDGET)

        async def look() -> tuple[
            tuple[bool, str], lookups.RecordState, list[str] | None, caa.CaaReading | None
        ]:
            return await asyncio.gather(
                lookups.points_at_us(dns, f"mta-sts.{domain.name}"),
                lookups.sts_record(dns, domain.name, policy_id, zone_name),
                lookups.tlsrpt_record(dns, domain.name),
                # Released: no certificate to get, nothing to tell (sleep(0) gives None).
                asyncio.sleep(0)
                if released
                else caa.read(dns, f"mta-sts.{domain.name}", caa.identity()),
            )

        (host_ok, host_detail), sts, tlsrpt, reading = asyncio.run(look())
        host_state = (
            "ok"
            if host_ok
            else "error"
            if host_detail.startswith(lookups.LOOKUP_FAILED)
            else "missing"
        )
        # An invalid record (senders discard it) is there, not missing: badged as its
        # notice tells it (lookups.sts_record's "invalid").
        sts_state = {
            "cname": "ok",
            "txt": "ok",
            "stale": "stale",
            "invalid": "invalid",
            "error": "error",
        }.get(sts.state, "missing")
        sts_detail = sts.detail
        if not released and (lookups.dangling(host_detail) or lookups.no_address(host_detail)):
            host_detail += f": publish the CNAME to {settings.MAILSEC_POLICY_HOST} in its place."
        elif not released and lookups.other_records(host_detail):
            # A CNAME cannot share its name with other records (RFC 1034 §3.6.2, RFC 2181
            # §10.1): those go first (task s43f).
            host_detail += (
                f": delete what is there and publish the CNAME to "
                f"{settings.MAILSEC_POLICY_HOST} in its place (a CNAME cannot share its name "
                "with other records)."
            )
        if released:
            (host_state, host_badge, host_detail), (sts_state, sts_badge, sts_detail) = (
                _released_rows(domain.name, policy_id, host_ok, host_detail, sts)
            )
    rows = [
        RecordRow(
            f"mta-sts.{domain.name}",
            "CNAME",
            settings.MAILSEC_POLICY_HOST,
            host_state,
            host_detail,
        ),
        RecordRow(
            f"_mta-sts.{domain.name}",
            "CNAME" if zone_name else "TXT",
            zone_name or plain,
            sts_state,
            sts_detail,
            alternative=plain if zone_name else "",
            copyable=bool(zone_name or policy_id),
        ),
    ]
    rows[0].badge, rows[1].badge = host_badge, sts_badge
    rows.append(_tlsrpt_row(domain, tlsrpt, pending=not live))
    if reading is not None and reading.state != caa.ALLOWED:
        rows.append(_caa_row(domain, reading))
    return rows


# Once hosting is off, what the records panel says of a name: (state, words, detail). The
# state gives the colour: "missing" and "elsewhere" pass (nothing of ours is left there).
Released = tuple[str, str, str]


def _released_rows(
    domain: str, policy_id: str, host_ok: bool, host_detail: str, sts: lookups.RecordState
) -> tuple[Released, Released]:
    """The mta-sts and _mta-sts rows once hosting is off (released): what is published at
    each name, and whether it is fine now. "removed" only when nothing is: a name that leads
    to another host, a CNAME into another zone or two records were all read "removed" (s42h).
    Another host's name, and the record of the policy served there, are the owner's to keep;
    a record of ours, or one announcing a policy nobody serves, is to remove."""
    host = f"mta-sts.{domain}"
    name = f"_mta-sts.{domain}"
    # Where the name leads, read from the reading's state, not its words (s42zE), as the
    # policy-host watch does (service.policy_host_told).
    leads = lookups.leads_state(host_ok, host_detail)
    elsewhere = leads == "elsewhere"
    if leads == "unknown":
        host_row: Released = ("error", "could not check", host_detail)
    elif leads == "ours":
        host_row = (
            "ok",
            "yes: remove it",
            f"{host_detail}: we serve no policy there any more, so remove it.",
        )
    elif lookups.dangling(host_detail):
        # A CNAME to a name that does not exist: whoever claims that name (in a provider's
        # namespace, anyone who signs up there) serves mta-sts.<domain> (s42q).
        host_row = (
            "stale",
            "yes: remove it",
            f"{host_detail}: nothing is served there, and whoever claims that name can serve "
            f"{host} (a subdomain takeover), so remove it.",
        )
    elif elsewhere:
        host_row = (
            "elsewhere",
            "not ours",
            f"{host_detail}: no longer to us, so nothing of ours is left to remove (the policy "
            "served there, if any, is that host's).",
        )
    elif lookups.no_address(host_detail) or lookups.other_records(host_detail):
        # A CNAME to another name, which has no address: nothing is served there, and the
        # alias is not ours (s42zE: it was read "does not exist"). Nor are a TXT or an MX
        # published at the name without an address (s43f).
        host_row = (
            "missing",
            "not ours",
            f"{host_detail}: it does not lead to us, so nothing of ours is left to remove.",
        )
    else:
        host_row = ("missing", "removed", f"{host} does not exist: nothing left to remove.")

    if sts.state == "error":
        return host_row, ("error", "could not check", sts.detail)
    if sts.state == "missing":
        return host_row, ("missing", "removed", f"{name} has no MTA-STS record.")
    if sts.state == "cname":
        return host_row, (
            "ok",
            "yes: remove it",
            f"{sts.detail}, where we no longer publish a record: remove it.",
        )
    if sts.state == "txt":
        return host_row, (
            "ok",
            "yes: remove it",
            f"{name} still has the record of the policy we served (id={policy_id}): remove it.",
        )
    if sts.state == "invalid":
        found = sts.detail.split(" Senders discard an invalid record")[0]
        them = "them" if sts.discarded > 1 else "it"
        return host_row, (
            "invalid",
            "yes: remove it",
            f"{found} Senders discard {them} as invalid (RFC 8461 §3.1): remove {them}.",
        )
    if sts.state == "other" and len(sts.ids) > 1 and not sts.cname:
        ids = ", ".join(sts.ids)
        keep = (
            f"Remove the one with id={policy_id}, ours; keep one other only if it is the "
            "record of a policy you now serve yourself."
            if policy_id in sts.ids
            else "Keep one only if it is the record of a policy you now serve yourself, else "
            "remove them all."
        )
        return host_row, (
            "stale",
            f"yes: {len(sts.ids)} records",
            f"{name} has {len(sts.ids)} MTA-STS records (id={ids}): senders ignore them all "
            f"and apply no policy (RFC 8461 §3.1). {keep}",
        )
    # One record that is not ours: a CNAME into another zone, a TXT with another id.
    if sts.cname:
        found = sts.detail
        if not sts.ids:
            return host_row, (
                "elsewhere",
                "not ours",
                f"{found}, which holds no MTA-STS record: nothing of ours is left there.",
            )
    else:
        found = f"{name} has a TXT with id={sts.found_id}, not the id of the policy we served"
    if elsewhere:
        return host_row, (
            "elsewhere",
            "not ours",
            f"{found}: the record of the policy {host} leads to now, not ours; keep it.",
        )
    if host_row[0] == "error":
        return host_row, (
            "stale",
            "not ours",
            f"{found}. Keep it only if {host} leads to a policy you serve yourself (that "
            "lookup failed).",
        )
    where = (
        "still leads to us, where no policy is served any more"
        if leads == "ours"
        else "leads to a name that does not exist"
        if lookups.dangling(host_detail)
        else "leads to a name with no address"
        if lookups.no_address(host_detail)
        else "has no address"
        if lookups.other_records(host_detail)
        else "does not exist"
    )
    return host_row, (
        "stale",
        "yes: remove it",
        f"{found}, and {host} {where}: senders that find this record look for a policy "
        "nobody serves. Remove it, unless you are setting up a policy of your own there.",
    )


def _caa_row(domain: Domain, reading: caa.CaaReading) -> RecordRow:
    """CAA records (RFC 8659) that forbid our ACME CA: our TLS front end never gets the
    certificate for mta-sts.<domain>, so senders never get the policy. Only when they forbid
    it, or could not be looked up (told as that: hosting may work all the same)."""
    value = reading.value or f'0 issue "{caa.identity()}"'
    if reading.accounts:
        # An accounturi naming an ACME account we cannot tell ours from (RFC 8657): could
        # not tell, the record shown with a placeholder for our account's URI.
        return RecordRow(
            reading.holder,
            "CAA",
            f'0 issue "{caa.identity()}; accounturi={caa.OUR_ACCOUNT_PLACEHOLDER}"',
            "error",
            reading.detail,
            copyable=False,
        )
    if reading.state == caa.UNKNOWN:
        return RecordRow(
            f"mta-sts.{domain.name}",
            "CAA",
            value,
            "error",
            f"{reading.detail}. Whether CAA records allow our certificate authority "
            f"({caa.identity()}) to issue the certificate for mta-sts.{domain.name} is not "
            "known; if your domain publishes CAA records, they must allow it.",
        )
    state = "missing" if reading.fix else "stale"
    return RecordRow(reading.holder, "CAA", value, state, reading.detail)


def _tlsrpt_row(
    domain: Domain, looked_up: list[str] | lookups.LookupFailure | None, pending: bool = False
) -> RecordRow:
    """The `_smtp._tls` record with our report addresses added to the owner's own rua (as
    on the domain page), "in place" only when our addresses are in the live record.
    `pending`: not looked up (yet), `looked_up` is None."""
    address = ReportAddress.for_domain(domain)
    name = f"_smtp._tls.{domain.name}"
    failure = looked_up if isinstance(looked_up, lookups.LookupFailure) else None
    found = None if failure else looked_up
    # The live record, or when the lookup failed (or is still to come) the one the latest
    # check saw: the owner's own rua addresses must not be dropped from the value to publish.
    # With none at _smtp._tls, those of a record the check found where senders never look
    # (the apex, _smtp_tlsrpt: TLSRPT-01's 'misplaced'), as its fix and the domain page keep.
    run = domain.last_run
    if found:
        existing: str | None = found[0]
    elif found is None:  # not looked up yet, or the lookup failed
        existing = record_to_keep(run)
    else:
        existing = moved_record(run)
    value = address.rua_record(existing)
    if pending:
        return RecordRow(name, "TXT", value, PENDING, "")
    if found is None:
        # With the reason (timeout, SERVFAIL…), as the other rows give theirs.
        detail = failure.detail if failure else f"{lookups.LOOKUP_FAILED} {name}"
        return RecordRow(name, "TXT", value, "error", detail)
    if not found:
        # Deleted once the record above is published (TLSRPT-01's fix says the same).
        misplaced = "".join(
            f" Then delete the alias (CNAME) at {where}, which reaches a TLS-RPT record (the "
            f"one at {alias}): senders never look at {where} (the value above keeps its "
            "addresses)."
            if alias
            else f" Then delete the TLS-RPT record at {where}, where senders never look (the "
            "value above keeps its addresses)."
            for where, alias, _ in misplaced_deletes(run)
        )
        return RecordRow(
            name,
            "TXT",
            value,
            "missing",
            "TLS reports are the evidence that tells when enforce is safe." + misplaced,
        )
    if len(found) > 1:
        return RecordRow(
            name,
            "TXT",
            value,
            "stale",
            f"{name} has {len(found)} TLS-RPT records: senders ignore them all (RFC 8460 §3). "
            "Keep one, with the value above.",
        )
    have = {u.lower() for u in rua_uris(found[0])}
    if all(u.lower() in have for u in rua_uris(address.rua_record())):
        return RecordRow(name, "TXT", value, "ok", "TLS-RPT record found, with our report address.")
    return RecordRow(
        name,
        "TXT",
        value,
        "stale",
        "Your TLS-RPT record does not send reports to us yet, and they are the evidence that "
        "tells when enforce is safe: publish the value above (it keeps your own addresses).",
    )


def rua_uris(record: str) -> list[str]:
    """The rua URIs of a TLS-RPT record (RFC 8460 §3: comma-separated, in one rua= field)."""
    uris: list[str] = []
    for part in record.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "rua":
            uris += [u.strip() for u in value.split(",") if u.strip()]
    return uris


@login_required
@require_GET
def page(request: HttpRequest, code: UUID) -> HttpResponse:
    return _page(request, get_domain_or_404(request, code))


# One URL, two answers: a browser's cache must not give the panel for the page (outermost,
# so the signed-out answer says it too).
@vary_on_headers("HX-Request")
@htmx_login_required
@require_GET
def records(request: HttpRequest, code: UUID) -> HttpResponse:
    """The records with their live state: for htmx, the panel alone, which the page loads once
    it is shown (the lookups may take up to MAILSEC_CHECK_TIMEOUT each, and the page must not
    wait for them); opened as a link (no JavaScript), the whole page with the state in it.
    Signed out (the session ended while the page was open), htmx is sent to sign in as a
    whole page and back to the hosting page (s42p: login_required's redirect, which htmx
    follows, put the sign-in page inside the panel)."""
    domain = get_domain_or_404(request, code)
    if not request.htmx:
        response = _page(request, domain, live=True)
    else:
        policy = HostedPolicy.objects.filter(domain=domain).first()
        ctx = {"domain": domain, **_records_context(domain, policy, live=True)}
        response = render(request, "hosting/_records.html", ctx)
    return response


def _records_context(domain: Domain, policy: HostedPolicy | None, live: bool) -> dict[str, Any]:
    """The records panel's context: the records to publish, or to remove once hosting is off;
    nothing for an unverified domain (it cannot be hosted)."""
    if not domain.is_verified:
        return {}
    ctx: dict[str, Any] = {"records_live": live, "panel_zone": domain.panel_zone}
    records = _records(domain, policy, live)
    if policy is not None and policy.state == HostedPolicy.State.OFF:
        # Released: what is left to do is removing the names that pointed at us.
        ctx["released"] = True
        records = [
            r for r in records if r.name.startswith(("mta-sts.", "_mta-sts.")) and r.rtype != "CAA"
        ]
    for r in records:
        r.host = domain.relative_name(r.name)
    ctx["records"] = records
    return ctx


# The latest events the hosting page shows; the full list (events) shows this many a page.
PAGE_EVENTS = 30
LIST_EVENTS = 100


def _page(
    request: HttpRequest,
    domain: Domain,
    form: PolicySettingsForm | None = None,
    status: int = 200,
    live: bool = False,
) -> HttpResponse:
    """The hosting page; `form`: the settings form as posted, with its errors. `live`: the
    records with their state looked up in this request (the records view without htmx);
    otherwise the page looks nothing up and the records partial brings the state."""
    policy = HostedPolicy.objects.filter(domain=domain).first()
    ctx: dict[str, Any] = {
        "page": "domains",
        "domain": domain,
        "policy": policy,
        # A viewer of the team sees the page without its buttons.
        "can_edit": domain.team.can_edit(request.user),  # type: ignore[arg-type]
    }
    # Only a CNAME of _mta-sts into our zone lets us change the policy id ourselves.
    ctx["zone"] = PolicyZone.from_settings() is not None
    ctx.update(_records_context(domain, policy, live))
    if domain.is_verified and (policy is None or policy.state == HostedPolicy.State.OFF):
        ctx["start"] = _start_preview(domain)
        # The name's policy of a team that no longer holds it, still winding down (s42y).
        left = HostedPolicy.left_for(domain)
        ctx["still_served"] = left.still_served_notice if left is not None else ""
    if policy is not None and policy.state != HostedPolicy.State.OFF:
        now = timezone.now()
        ctx["suggestions"] = rules.suggestions(policy.mx_live, policy.patterns())
        ctx["readiness"] = enforce_readiness(policy, now)
        ctx["removals"] = policy.leaving_times()
        ctx["strict_until"] = policy.earlier_strict_until(now)
        ctx["zone_pending"] = policy.zone_outdated and PolicyZone.from_settings() is not None
        ctx["form"] = form or PolicySettingsForm(
            current_mode=policy.mode,
            initial={
                "mode": policy.mode,
                "max_age": policy.max_age,
                "extra": "\n".join(policy.mx_extra),
            },
        )
        if policy.mx_failing_told and policy.mx_failed_since is not None:
            # The team was emailed that no MX lookup answers: the page says so too, in the
            # email's words (with the latest failure), until one answers; its time in the
            # reader's zone, naming it (s43l; the event and email keep UTC).
            ctx["lookups_failing"] = policy.failing_message(local=True)
        if policy.mx_unstable_since is not None:
            # The flap's own notice: every sync records a step or two meanwhile (not
            # emailed), and they fill the list below; the email said this once.
            ctx["flap"] = {
                "since": policy.mx_unstable_since,
                "answers": policy.flapping_answers(),
                "latest": policy.mx_answer(),
                "hours": MX_STABLE_HOURS,
                "advice": policy.flapping_advice(),
                "undone": FLAP_UNDONE,
            }
    if policy is not None:
        ctx["events"] = policy.events.all()[:PAGE_EVENTS]
        # A flap records a step or two at each sync: the whole list stays one link away.
        ctx["events_total"] = policy.events.count()
    return render(request, "hosting/page.html", ctx, status=status)


@dataclass
class StartPreview:
    """What Host MTA-STS would start from, for the page to show before it is pressed."""

    point: service.StartingPoint
    text: str  # the policy we would serve, for the MX hosts the latest check saw
    served: str  # the policy the domain serves, as that check fetched it
    differences: list[str]


def _start_preview(domain: Domain) -> StartPreview:
    """The start from the latest check, for the MX hosts it saw (no lookup: the page never
    waits for DNS). Host MTA-STS applies it to the MX hosts it then looks up; a check
    finishing in between with another policy asks for a second look (service.enable_told)."""
    seen = seen_policy(domain.last_run)
    hosts = seen.mx if seen is not None else []
    point = service.starting_point(domain, hosts)
    text = ""
    if point.start is not None:
        # Hosts no mx line can name are left out as HostedPolicy.listed_patterns leaves them
        # out: a `*` label is a valid pattern, so policy_text alone would show it, a wildcard
        # nobody chose that Host MTA-STS then does not serve (review s38i).
        listable = [h for h in hosts if rules.host_problem(h) is None]
        patterns = sorted({*listable, *point.start.extra})
        try:
            text = rules.policy_text(point.start.mode, patterns, point.start.max_age)
        except rules.EmptyPolicy:
            text = ""  # no MX a policy can list: Host MTA-STS says so
    served = point.seen.text if point.seen is not None and point.start is not None else ""
    return StartPreview(point, text, served, point.differences())


@login_required
@require_GET
def events(request: HttpRequest, code: UUID) -> HttpResponse:
    """Every event of the domain's hosted policy, the latest first, LIST_EVENTS a page
    (?page=N): the hosting page shows the latest PAGE_EVENTS, which MX answers flapping for a
    few hours fill on their own."""
    domain = get_domain_or_404(request, code)
    policy = HostedPolicy.objects.filter(domain=domain).first()
    rows = policy.events.all() if policy is not None else HostingEvent.objects.none()
    paged = Paginator(rows, LIST_EVENTS).get_page(request.GET.get("page"))
    ctx = {"page": "domains", "domain": domain, "policy": policy, "events": paged}
    return render(request, "hosting/events.html", ctx)


def _live_policy(
    request: HttpRequest, code: UUID, lock: bool = False, active: bool = False
) -> tuple[Domain, HostedPolicy | None]:
    """The domain's policy unless released. lock (inside a transaction): the row stays locked
    until the owner's change is saved, so an MX sync in between (it locks too) cannot be lost
    under a copy read before it, nor the other way round. active: None (with a message) while
    it winds down too, for changes of mode and settings: the page offers them only before.
    A viewer of the team is refused (403) before anything is read or said."""
    domain = get_domain_to_change_or_404(request, code)
    policies = HostedPolicy.objects.filter(domain=domain).exclude(state=HostedPolicy.State.OFF)
    policy = (policies.select_for_update() if lock else policies).first()
    if policy is None:
        messages.error(request, "Hosting is not on for this domain.")
    elif active and policy.state != HostedPolicy.State.ACTIVE:
        # A page loaded before someone chose Stop hosting still shows these forms: a mode
        # saved now is not served (mode none is) and would apply at once on Keep hosting,
        # enforce included, without anyone choosing it again.
        messages.error(
            request, "Hosting is being turned off: choose Keep hosting first, then change it."
        )
        return domain, None
    return domain, policy


def with_record(done: str, told: list[tuple[str, str]]) -> str:
    """What a change did, and with a plain `_mta-sts` TXT the exact record to publish now, in
    the words the email gives (one renderer: service.plain_txt_told): "Saved." alone would
    leave senders on the old policy until the next email is read."""
    record = service.record_to_publish(told)
    return f"{done} {record}" if record else done


@login_required
@require_POST
def enable(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_to_change_or_404(request, code)
    try:
        # The start the page showed (StartingPoint.basis): a form without it confirmed the
        # usual start, in testing.
        _, told = service.enable_told(domain, confirmed=request.POST.get("start", ""))
    except service.HostingRefused as exc:
        messages.error(request, str(exc))
    else:
        # Keep hosting gives the policy a new id, which a plain `_mta-sts` TXT must name.
        started = " ".join(message for kind, message in told if kind == "start")
        done = "Hosting is on. Publish the records below." + (f" {started}" if started else "")
        messages.success(request, with_record(done, told))
    return redirect("hosting:page", domain.code)


@login_required
@require_POST
def update(request: HttpRequest, code: UUID) -> HttpResponse:
    domain, refused = _update(request, code)
    if refused is not None:
        # The page again with what was typed and each error beside its field (a fresh form
        # would lose the other patterns typed); after the lock is let go.
        return _page(request, domain, form=refused, status=400)
    return redirect("hosting:page", domain.code)


@transaction.atomic
def _update(request: HttpRequest, code: UUID) -> tuple[Domain, PolicySettingsForm | None]:
    """Save the settings form; the form back when it has errors (nothing saved)."""
    domain, policy = _live_policy(request, code, lock=True, active=True)
    if policy is not None:
        form = PolicySettingsForm(request.POST, current_mode=policy.mode)
        if form.is_valid():
            now = timezone.now()
            said = []
            mode_before = policy.mode
            if form.cleaned_data["mode"] != policy.mode:
                said.append(("mode", f"Mode {policy.mode} → {form.cleaned_data['mode']}."))
                policy.set_mode(form.cleaned_data["mode"], now)
            if form.cleaned_data["max_age"] != policy.max_age:
                said.append(
                    ("settings", f"max_age {policy.max_age} → {form.cleaned_data['max_age']}.")
                )
                policy.max_age = form.cleaned_data["max_age"]
            if form.cleaned_data["extra"] != policy.mx_extra:
                said.append(
                    (
                        "settings",
                        f"Extra patterns: {', '.join(form.cleaned_data['extra']) or 'none'}.",
                    )
                )
                policy.mx_extra = form.cleaned_data["extra"]
            try:
                policy.render()
            except rules.EmptyPolicy:
                # refresh_text would keep serving the last good text: the page and the log
                # would say one mode (or patterns) while senders get another.
                hosts = ", ".join(policy.mx_live)
                unlisted = (
                    f"no MX host ({hosts}) or" if hosts else "the domain has no MX host, and no"
                )
                way_out = "keep mode none" if mode_before == "none" else "set mode none"
                messages.error(
                    request,
                    f"Mode {policy.mode} needs at least one mx line, and {unlisted} extra "
                    f"pattern can be listed: add an extra pattern naming your mail host, or "
                    f"{way_out}. Nothing was saved.",
                )
                return domain, None
            size = len(policy.render())
            if size > rules.MAX_POLICY_BYTES:
                form.add_error(
                    "extra",
                    f"With these patterns the policy would be {size} bytes; senders may refuse "
                    f"a policy over {rules.MAX_POLICY_BYTES} bytes (64 KiB), and some do: list "
                    "fewer, or one wildcard for your provider's hosts.",
                )
                messages.error(request, "Nothing was saved: correct the settings below.")
                return domain, form
            told = service.save_changes(policy, said, now)
            messages.success(request, with_record("Saved.", told) if said else "Nothing changed.")
        else:
            messages.error(request, "Nothing was saved: correct the settings below.")
            return domain, form
    return domain, None


@login_required
@require_POST
@transaction.atomic
def suggest(request: HttpRequest, code: UUID) -> HttpResponse:
    domain, policy = _live_policy(request, code, lock=True, active=True)
    form = SuggestionForm(request.POST)
    if policy is not None and form.is_valid():
        offered = {s.pattern for s in rules.suggestions(policy.mx_live, policy.patterns())}
        pattern = form.cleaned_data["pattern"]
        if pattern in offered:
            policy.mx_extra = [*policy.mx_extra, pattern]
            added = f"Added the provider pattern {pattern}."
            told = service.save_changes(policy, [("settings", added)], timezone.now())
            messages.success(request, with_record(added, told))
        else:
            messages.error(request, "That pattern is not on offer.")
    return redirect("hosting:page", domain.code)


@login_required
@require_POST
def sync_now(request: HttpRequest, code: UUID) -> HttpResponse:
    domain, policy = _live_policy(request, code)
    if policy is not None:
        changed, told = service.sync_told(policy)
        messages.success(
            request,
            with_record(
                "The policy follows your MX: " + ("updated." if changed else "nothing to change."),
                told,
            ),
        )
    return redirect("hosting:page", domain.code)


@login_required
@require_POST
@transaction.atomic
def enforce(request: HttpRequest, code: UUID) -> HttpResponse:
    domain, policy = _live_policy(request, code, lock=True, active=True)
    if policy is not None:
        readiness = enforce_readiness(policy, timezone.now())
        if readiness.ready:
            told = service.set_mode(policy, HostedPolicy.Mode.ENFORCE)
            messages.success(
                request, with_record(f"Mode enforce, new policy id {policy.policy_id}.", told)
            )
        else:
            messages.error(request, f"{readiness.headline}: " + " ".join(readiness.reasons))
    return redirect("hosting:page", domain.code)


@login_required
@require_POST
@transaction.atomic
def disable(request: HttpRequest, code: UUID) -> HttpResponse:
    domain, policy = _live_policy(request, code, lock=True)
    if policy is not None and policy.state == HostedPolicy.State.ACTIVE:
        told = service.disable(policy)
        # In the reader's zone, saying which, as the page under it gives the same time
        # (docs/webapp.md); before s43c in UTC, a date apart from the page's for many.
        messages.success(
            request,
            with_record(
                f"Turning hosting off: mode none is served until {reader_time(policy.release_at)} first.",
                told,
            ),
        )
    return redirect("hosting:page", domain.code)
