"""Celery tasks of the engine. The only module in checks/ that touches Django (through Celery)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from checks.config import CheckConfig
from checks.engine import check_domain_sync


def engine_config(**overrides: Any) -> CheckConfig:
    """The engine's configuration from the same MAILSEC_* variables the settings read."""
    return CheckConfig.from_env(**overrides)


@shared_task(name="checks.tasks.check_domain_report", soft_time_limit=120, time_limit=150)
def check_domain_report(domain: str, selectors: list[str] | None = None) -> dict[str, Any]:
    """Run a full check and return the report as JSON-ready data (stored by the caller)."""
    config = engine_config(dkim_selectors=tuple(selectors or ()))
    return check_domain_sync(domain, config).to_dict()
