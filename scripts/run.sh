#!/usr/bin/env bash
# `make run`: install, migrate, then run web + worker + beat + smtpd on this machine until Ctrl-C.
# With no environment set this is the embedded default: SQLite and a filesystem broker
# under ./var. Logs go to $MAILSEC_DATA_DIR/log (default ./var/log).
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SMTP_PORT=${SMTP_PORT:-2525}
URL="http://$HOST:$PORT/"
# Links in mails and pages (sign-up codes, report addresses) name the address this serves on,
# unless SITE_ROOT says otherwise; ALLOWED_HOSTS follows SITE_ROOT's host (mailsec/settings.py).
export SITE_ROOT=${SITE_ROOT:-http://$HOST:$PORT}
export DJANGO_SETTINGS_MODULE=mailsec.settings

scripts/venv.sh
PY=.venv/bin/python

echo "== migrate"
$PY manage.py migrate --noinput

# Where the logs go, and whether mails are only printed: one start of Django for both.
{
    read -r DATA_DIR
    read -r EMAIL_BACKEND
} < <($PY -c 'import django; django.setup(); from django.conf import settings; print(settings.DATA_DIR); print(settings.EMAIL_BACKEND)')
LOG_DIR="$DATA_DIR/log"
mkdir -p "$LOG_DIR"

pids=()
names=()
stopping=0

stop_all() {
    [ "$stopping" -eq 1 ] && return
    stopping=1
    trap - INT TERM
    echo
    echo "== stopping web, worker, beat and smtpd"
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    echo "== stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

start() {  # start NAME COMMAND...: run in the background, output to $LOG_DIR/NAME.log
    local name=$1
    shift
    # own session: Ctrl-C reaches only this script, whose trap stops the four in order
    setsid "$@" >"$LOG_DIR/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
    echo "   $name: pid $!, log $LOG_DIR/$name.log"
}

echo "== starting"
# Threads: the free-check API may hold a request for up to 25 s while a check runs.
# No control socket (gunicorn 25.1+, for gunicornc, which nothing here uses): by default it is
# $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl, outside $MAILSEC_DATA_DIR, one
# path for every clone and run of the user, and an unwritable home logs an error each start.
start web .venv/bin/gunicorn mailsec.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 \
    --no-control-socket --access-logfile -
start worker .venv/bin/celery -A mailsec worker -Q default,probes --concurrency 2 -n "worker@%h" -l info
start beat .venv/bin/celery -A mailsec beat -l info
# TLS-RPT reports by email (RFC 8460 §5.3): mail for tlsrpt+<token>@... is accepted here.
start smtpd $PY manage.py smtpd --listen "$HOST:$SMTP_PORT"

ok=0
for _ in $(seq 1 100); do
    if $PY -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('${URL}healthz', timeout=2).status != 200)" 2>/dev/null; then
        ok=1
        break
    fi
    sleep 0.2
done
if [ "$ok" -ne 1 ]; then
    echo "web did not answer ${URL}healthz within 20 s; last lines of $LOG_DIR/web.log:" >&2
    tail -n 20 "$LOG_DIR/web.log" >&2
    exit 1
fi

echo "== self-test"
if ! $PY manage.py selftest --timeout 30; then
    echo "last lines of $LOG_DIR/worker.log:" >&2
    tail -n 20 "$LOG_DIR/worker.log" >&2
    exit 1
fi

echo
echo "mailsec is running at $URL   (web, worker, beat, smtpd; Ctrl-C stops them all)"
echo "TLS-RPT reports: POST to ${URL}tlsrpt/<token>, or mail to SMTP $HOST:$SMTP_PORT (docs/reports.md)"
if [ "$EMAIL_BACKEND" = "django.core.mail.backends.console.EmailBackend" ]; then
    echo "Mails are printed, not sent: sign-up and sign-in codes to $LOG_DIR/web.log (EMAIL_URL sets a server)"
fi
echo

# Wait until Ctrl-C, or until one of the four exits on its own.
set +e
wait -n "${pids[@]}"
status=$?
set -e
if [ "$stopping" -eq 0 ]; then
    for i in "${!pids[@]}"; do
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            echo "${names[$i]} exited (status $status); last lines of $LOG_DIR/${names[$i]}.log:" >&2
            tail -n 20 "$LOG_DIR/${names[$i]}.log" >&2
        fi
    done
    exit 1
fi
