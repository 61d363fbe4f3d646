from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class FreecheckConfig(AppConfig):
    """The public "check your domain" page and its JSON twin: no account needed."""

    name = "mailsec.freecheck"
    label = "freecheck"
    verbose_name = "free check"

    def ready(self) -> None:
        checks.register(private_targets_check, checks.Tags.security, deploy=True)


def private_targets_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check --deploy`: the lab's MAILSEC_ALLOW_PRIVATE_TARGETS is on. Anyone can
    name a domain to the free check, so with it on anyone can make this server connect to its
    own network (port 25, and HTTPS GETs of any path on port 443): the SSRF guard is off."""
    from django.conf import settings

    if not settings.MAILSEC_ENGINE["allow_private_targets"]:
        return []
    return [
        checks.Warning(
            "MAILSEC_ALLOW_PRIVATE_TARGETS is on: every check, the anonymous free check "
            "included, may connect to private, loopback and link-local addresses (the cloud "
            "metadata address 169.254.169.254 too), so anyone can make this server probe "
            "its own network.",
            hint="Unset it (or set 0) in production; it is for the test lab on 127.x.",
            id="freecheck.W001",
        )
    ]
