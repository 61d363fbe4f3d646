from __future__ import annotations

import pytest
from django.conf import settings

from mailsec.celery import app
from mailsec.models import Ping
from mailsec.tasks import ping, round_trip


def test_celery_is_configured_as_designed() -> None:
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_default_queue == "default"
    assert app.amqp.router.route({}, "checks.tasks.run_check")["queue"].name == "probes"
    assert app.amqp.router.route({}, "mailsec.tasks.ping")["queue"].name == "default"
    if settings.REDIS_URL:
        assert conf.broker_url.startswith("redis")
    else:
        opts = conf.broker_transport_options
        assert conf.broker_url == "mailsecfs://"
        assert opts["polling_interval"] == 0.1
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            assert opts[key].startswith("/")


def test_beat_schedule_names_only_registered_tasks() -> None:
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_ping_task_and_its_row_lands_in_the_database(celery_worker) -> None:
    result = ping.delay("round-trip-test")
    worker_name = result.get(timeout=20)
    row = Ping.objects.get(token="round-trip-test")
    assert row.worker == worker_name
    assert worker_name  # the worker's node name, e.g. gen123@host


@pytest.mark.django_db(transaction=True)
def test_round_trip_waits_for_the_row(celery_worker) -> None:
    row, seconds = round_trip(timeout=20)
    assert row.token.startswith("selftest-")
    assert seconds < 20
