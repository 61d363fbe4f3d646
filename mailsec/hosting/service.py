"""The hosting actions, shared by views and tasks: enable, sync with MX, publish, disable,
release, certificate watch. Each saves the policy, publishes a changed id in our zone and tells
the owner what changed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from checks import https
from checks.context import CheckContext
from checks.mtasts import policy_url
from checks.tasks import engine_config
from mailsec.domains.models import Domain
from mailsec.hosting import lookups
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.notify import tell
from mailsec.hosting.zone import PolicyZone, ZoneError

CERT_THRESHOLDS = (21, 7)  # days left at which the owner is told, once each


class HostingRefused(Exception):
    """Hosting cannot start; the message says why, for the owner."""


def publish(policy: HostedPolicy) -> None:
    """Write the current id to our zone if it is owed. A failure is kept as owed (published_id
    stays behind) and retried by the next sync; the owner hears about it once."""
    zone = PolicyZone.from_settings()
    if zone is None or not policy.zone_outdated:
        return
    try:
        zone.publish(policy.name, policy.policy_id)
    except ZoneError as exc:
        if "zone" not in policy.last_sync_error:
            tell(policy, "zone", f"Could not publish the new id in our zone yet ({exc}); retrying.")
        policy.last_sync_error = f"zone: {exc}"[:500]
        policy.save(update_fields=["last_sync_error"])
        return
    policy.published_id = policy.policy_id
    policy.save(update_fields=["published_id"])


def enable(domain: Domain, now: datetime | None = None) -> HostedPolicy:
    now = now or timezone.now()
    if not domain.is_verified:
        raise HostingRefused("Verify the domain first: only verified domains can be hosted.")
    existing = HostedPolicy.objects.filter(name=domain.name).exclude(domain=domain).first()
    if existing is not None:
        if existing.state != HostedPolicy.State.OFF:
            raise HostingRefused(f"{domain.name} is already hosted by another team.")
        existing.delete()
    found = asyncio.run(lookups.live_mx(lookups.client(), domain.name))
    if found.failed:
        raise HostingRefused(f"Could not look up the MX records ({found.detail}). Try again.")
    if not found.hosts:
        raise HostingRefused(
            f"{domain.name} has a null MX: it receives no mail, so MTA-STS has nothing to protect."
        )
    with transaction.atomic():
        policy, created = HostedPolicy.objects.select_for_update().get_or_create(
            domain=domain, defaults={"name": domain.name, "testing_since": now}
        )
        if not created and policy.state == HostedPolicy.State.ACTIVE:
            return policy
        if not created:  # re-enabled: while winding down, or after release
            policy.resume()
        policy.mx_live = found.hosts
        policy.pending_removals = {}
        policy.last_sync_at = now
        policy.refresh_text(now)
        policy.save()
        tell(
            policy,
            "enabled",
            f"Hosting on: mode {policy.mode}, mx {', '.join(policy.patterns())}, id {policy.policy_id}.",
            email=False,
        )
    publish(policy)
    return policy


def save_changes(policy: HostedPolicy, said: list[tuple[str, str]], now: datetime) -> bool:
    """Save, bump the id if the text changed, publish it, then tell the owner each step."""
    changed = policy.refresh_text(now)
    policy.save()
    if changed:
        publish(policy)
    for kind, message in said:
        tell(policy, kind, message + (f" New policy id {policy.policy_id}." if changed else ""))
    return changed


def sync(policy: HostedPolicy, now: datetime | None = None) -> bool:
    """One turn of the MX loop for one policy. True when the policy text changed."""
    now = now or timezone.now()
    if policy.state == HostedPolicy.State.OFF:
        return False
    if policy.release_due(now):
        release(policy, now)
        return True
    dns = lookups.client()

    async def look() -> tuple[lookups.MxLookup, lookups.RecordState]:
        zone = PolicyZone.from_settings()
        zone_name = zone.record_name(policy.name) if zone else ""
        return await asyncio.gather(
            lookups.live_mx(dns, policy.name),
            lookups.sts_record(dns, policy.name, policy.policy_id, zone_name),
        )

    found, record = asyncio.run(look())
    said: list[tuple[str, str]] = []
    policy.last_sync_at = now
    if found.failed:
        # Never act on a failed lookup: it says nothing about which hosts left.
        policy.last_sync_error = f"MX lookup failed: {found.detail}"[:500]
    else:
        policy.last_sync_error = ""
        for message in policy.apply_mx(found.hosts, now):
            kind = (
                "mx-back"
                if " is back " in message
                else ("mx-leaving" if " left the MX" in message else "mx-added")
            )
            said.append((kind, message))
    said += [("mx-removed", m) for m in policy.drop_due_removals(now)]
    if record.state != policy.record_state and record.state in ("stale", "other", "missing"):
        # Told once per change of state: a stale plain TXT keeps senders on an old policy.
        said.append(("record", record.detail))
    if record.state != "error":
        policy.record_state = record.state
    changed = save_changes(policy, said, now)
    publish(policy)  # retries an id owed from an earlier failure
    return changed


def set_mode(policy: HostedPolicy, mode: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    before = policy.mode
    policy.set_mode(mode, now)
    return save_changes(
        policy, [("mode", f"Mode {before} → {mode}.")] if before != mode else [], now
    )


def disable(policy: HostedPolicy, now: datetime | None = None) -> None:
    now = now or timezone.now()
    policy.begin_disable(now)
    save_changes(
        policy,
        [
            (
                "disabling",
                f"Hosting is being turned off: mode none is served until {policy.release_at:%Y-%m-%d %H:%M} UTC "
                "(max_age), so senders drop the old policy before we stop answering.",
            )
        ],
        now,
    )


def release(policy: HostedPolicy, now: datetime) -> None:
    """The end of a safe disable: stop serving, withdraw our TXT, free the name."""
    zone = PolicyZone.from_settings()
    if zone is not None:
        try:
            zone.withdraw(policy.name)
        except ZoneError as exc:
            policy.last_sync_error = f"zone: {exc}"[:500]
            policy.save(update_fields=["last_sync_error"])
            return  # retried at the next sync; until then mode none keeps being served
    policy.state = HostedPolicy.State.OFF
    policy.release_at = None
    policy.published_id = ""
    policy.save()
    tell(
        policy,
        "released",
        f"Hosting is off for {policy.name}. Remove the mta-sts and _mta-sts records from your DNS.",
    )


# --- Certificate watch -----------------------------------------------------------------------


@dataclass
class CertReading:
    not_after: datetime | None
    error: str = ""


def read_certificate(name: str) -> CertReading:
    """The certificate a sender gets from mta-sts.<name> (verification failures included: the
    expiry is still worth knowing)."""
    config = replace(engine_config(), mechanisms=())

    async def go() -> https.HttpsResult:
        return await https.fetch(CheckContext(name, config), policy_url(name))

    result = asyncio.run(go())
    if result.cert is None or not result.cert.not_after:
        return CertReading(None, result.error or "no certificate")
    not_after = datetime.fromisoformat(result.cert.not_after)
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=UTC)
    return CertReading(not_after, result.error if result.error_kind == "tls-cert" else "")


def watch_certificate(policy: HostedPolicy, now: datetime | None = None) -> int | None:
    """Record the certificate's expiry; tell the owner at 21 and at 7 days left (once each).
    Returns the days left, or None when no certificate could be read."""
    now = now or timezone.now()
    reading = read_certificate(policy.name)
    policy.cert_checked_at = now
    policy.cert_error = reading.error[:300]
    if reading.not_after is None:
        policy.save(update_fields=["cert_checked_at", "cert_error"])
        return None
    policy.cert_not_after = reading.not_after
    days = (reading.not_after - now).days
    due = [t for t in CERT_THRESHOLDS if days <= t]
    if not due:
        policy.cert_warned_days = None  # renewed: arm the alerts again
    elif policy.cert_warned_days is None or min(due) < policy.cert_warned_days:
        policy.cert_warned_days = min(due)
        tell(
            policy,
            "cert",
            f"The certificate of mta-sts.{policy.name} expires in {days} days "
            f"({reading.not_after:%Y-%m-%d}) and has not been renewed yet. Check that "
            f"mta-sts.{policy.name} still points at us and that our TLS front end can reach the ACME CA.",
        )
    policy.save(
        update_fields=["cert_checked_at", "cert_error", "cert_not_after", "cert_warned_days"]
    )
    return days
