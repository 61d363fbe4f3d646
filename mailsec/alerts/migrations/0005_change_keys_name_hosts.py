"""Changes about one address of an MX host are keyed by the host alone (alerts.rules.host_subject):
rename the keys stored before, so an upgrade neither raises a known problem again nor leaves
two open changes for one host (the later ones are dismissed as the same problem)."""

import re
from typing import Any

from django.db import migrations

ADDRESS_SUFFIX = re.compile(r" [\[(][0-9A-Fa-f:.]+[\])]$")
OPEN = ("suspected", "confirmed")


def host_key(kind: str, key: str) -> str:
    prefix, _, rest = key.partition(":")
    if kind == "finding":
        check_id, _, subject = rest.partition("|")
        return f"{prefix}:{check_id}|{ADDRESS_SUFFIX.sub('', subject)}"
    host, not_after, threshold = rest.rsplit("|", 2)
    return f"{prefix}:{ADDRESS_SUFFIX.sub('', host)}|{not_after}|{threshold}"


def rename(apps: Any, schema_editor: Any) -> None:
    Change = apps.get_model("alerts", "Change")
    candidates = Change.objects.filter(
        kind__in=("finding", "cert-expiry"), key__regex=r" [\[(][0-9A-Fa-f:.]+[\])]"
    ).order_by("created", "pk")
    for change in candidates.iterator():
        new = host_key(change.kind, change.key)
        if new == change.key:
            continue
        taken = (
            change.state in OPEN
            and Change.objects.filter(domain_id=change.domain_id, key=new, state__in=OPEN)
            .exclude(pk=change.pk)
            .exists()
        )
        if taken:
            change.state, change.note = "dismissed", "the same problem on another address"
            change.dismissed_at = change.created
        change.key = new
        change.save(update_fields=["key", "state", "note", "dismissed_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_alertrecipient_unsubscribed_all"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
