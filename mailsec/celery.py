"""The Celery application. Workers: `celery -A mailsec worker -Q default,probes`; beat: `celery -A mailsec beat`."""

from __future__ import annotations

import os

from celery import Celery, signals

from mailsec import broker

# "mailsecfs://", the embedded broker, must be known before any connection is made.
broker.register()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")

app = Celery("mailsec")
app.config_from_object("django.conf:settings", namespace="CELERY")
# tasks.py of every installed app, and of the check engine, which is not a Django app
app.autodiscover_tasks()
app.autodiscover_tasks(["checks"])


@signals.celeryd_init.connect
def share_probes(**kwargs: object) -> None:
    """In a worker (`celery worker`, before its pool forks): STARTTLS probe results and the
    one-probe-at-a-time-per-server rule (up to three connections at once within a probe) are
    shared by every worker process, on every machine with Redis (checks.tasks.SharedProbes).
    The CLI, the web app and tests keep them per process."""
    from checks import starttls
    from checks.tasks import SharedProbes

    starttls.shared_probes = SharedProbes()


@signals.task_failure.connect
def mail_operators(
    sender: object = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: object = None,
    kwargs: object = None,
    einfo: object = None,
    **extra: object,
) -> None:
    """A task that raised after its retries (a retry is no failure; one that then succeeds
    sends nothing): ADMINS (MAILSEC_ADMINS) are mailed it once, its arguments and traceback
    redacted as a web report is (mailsec.taskfailures, s48f)."""
    from mailsec.taskfailures import mail_task_failure

    traceback_text = str(getattr(einfo, "traceback", "") or "")
    mail_task_failure(sender, task_id, exception, args, kwargs, traceback_text)
