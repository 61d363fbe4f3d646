"""TLS-RPT ingestion: mailsec against parsedmarc on the same 10,000 report files.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports \\
        .venv/bin/python -m bench.reports_bench [--files 10000] [--dir var/bench-tlsrpt]

(a) A generator writes realistic report files (RFC 8460 §4; the shapes Google and Microsoft
    send, see checklist §12: Google gzips, sends policy-string and mx-host, omits
    failure-details when there are none; Microsoft omits policy-string and mx-host, uses
    "<digits>+<domain>" report-ids and leaves sending-mta-ip out of sts-policy-fetch-error).
    About 2 % are resends of an earlier report with a new gzip timestamp (same report-id).
(b) mailsec ingests every file with reports.ingest.ingest_many (what `manage.py
    ingest_files` runs): store the raw bytes (sha256-unique), parse and validate, de-duplicate
    by (submitter, report-id), store the report, its policies and failure details in
    PostgreSQL (a throw-away test database). parsedmarc (PyPI) parses the same files in the
    same run, in one process like ours, and stores nothing: first through its public entry
    point for a file, `parse_report_file(path, offline=True)` (what its CLI does per file:
    read, sniff gzip/zip, try aggregate XML, then SMTP TLS JSON) — the ratio's peer — and
    then, as a second row, through the narrower `extract_report` + `parse_smtp_tls_report_json`
    alone. Throughput ratio = parsedmarc seconds ÷ mailsec seconds (goal ≥ 1.0). Also
    printed: the one-report-per-transaction path of the live intake (HTTPS view + parse task),
    on the first --each files, which is bound by commit latency.
(c) Peak memory for one 25 MB report with 200,000 failure details (goal ≤ 150 MB): each side
    runs in a fresh process; printed is the peak resident memory of that process (VmHWM), and
    with BENCH_TRACEMALLOC=1 the peak of Python allocations during the parse (+ store).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULT_TYPES = [
    ("certificate-expired", "X509_V_ERR_CERT_HAS_EXPIRED"),
    ("certificate-host-mismatch", "X509_V_ERR_HOSTNAME_MISMATCH"),
    ("certificate-not-trusted", "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN"),
    ("starttls-not-supported", None),
    ("validation-failure", "ssl_handshake_failure"),
    ("sts-policy-fetch-error", None),
    ("sts-webpki-invalid", None),
]


def _google(rnd: random.Random, domain: str, day: date, details: int) -> dict[str, Any]:
    start = f"{day.isoformat()}T00:00:00Z"
    failed = []
    for _ in range(details):
        rtype, code = rnd.choice(RESULT_TYPES)
        d: dict[str, Any] = {
            "result-type": rtype,
            "sending-mta-ip": f"209.85.{rnd.randrange(128, 256)}.{rnd.randrange(256)}",
            "receiving-mx-hostname": f"mx{rnd.randrange(1, 3)}.{domain}",
            "receiving-ip": f"198.51.100.{rnd.randrange(1, 255)}",
            "failed-session-count": rnd.randrange(1, 40),
        }
        if code:
            d["failure-reason-code"] = code
        failed.append(d)
    policy: dict[str, Any] = {
        "policy": {
            "policy-type": "sts",
            "policy-string": [
                "version: STSv1",
                "mode: enforce",
                f"mx: mx1.{domain}",
                f"mx: mx2.{domain}",
                "max_age: 604800",
            ],
            "policy-domain": domain,
            "mx-host": [f"mx1.{domain}", f"mx2.{domain}"],
        },
        "summary": {
            "total-successful-session-count": rnd.randrange(100, 200_000),
            "total-failure-session-count": sum(d["failed-session-count"] for d in failed),
        },
    }
    if failed:  # Google omits the member when there is nothing to list
        policy["failure-details"] = failed
    return {
        "organization-name": "Google Inc.",
        "date-range": {"start-datetime": start, "end-datetime": f"{day.isoformat()}T23:59:59Z"},
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": f"{start}_{domain}",
        "policies": [policy],
    }


def _microsoft(rnd: random.Random, domain: str, day: date, details: int) -> dict[str, Any]:
    failed = []
    for _ in range(details):
        rtype, _code = rnd.choice(RESULT_TYPES)
        d: dict[str, Any] = {"result-type": rtype, "failed-session-count": rnd.randrange(1, 20)}
        if rtype != "sts-policy-fetch-error":  # cry-inc #57: Microsoft omits these here
            d["sending-mta-ip"] = f"2a01:111:f403:{rnd.randrange(65536):x}::{rnd.randrange(99)}"
            d["receiving-mx-hostname"] = f"mx{rnd.randrange(1, 3)}.{domain}"
            d["receiving-ip"] = f"198.51.100.{rnd.randrange(1, 255)}"
        failed.append(d)
    return {
        "organization-name": "Microsoft Corporation",
        "date-range": {
            "start-datetime": f"{day.isoformat()}T00:00:00Z",
            "end-datetime": f"{day.isoformat()}T23:59:59Z",
        },
        "contact-info": "tlsrpt-noreply@microsoft.com",
        "report-id": f"{rnd.randrange(10**17, 10**18)}+{domain}",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": domain},
                "summary": {
                    "total-successful-session-count": rnd.randrange(10, 50_000),
                    "total-failure-session-count": sum(d["failed-session-count"] for d in failed),
                },
                "failure-details": failed,
            }
        ],
    }


def generate(directory: Path, files: int, domains: int, seed: int = 8460) -> list[Path]:
    """Write `files` report files (gzip; ~2 % resends); names follow RFC 8460 §5.1."""
    rnd = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json.gz"):
        old.unlink()  # a run with other parameters left its own files
    paths: list[Path] = []
    sent: list[dict[str, Any]] = []
    first_day = date(2026, 6, 1)
    for n in range(files):
        if sent and rnd.random() < 0.02:
            report = rnd.choice(sent)  # a resend: same report, new gzip header time
        else:
            # Each domain gets one report a day from each organisation, as in real life.
            domain = f"d{(n // 2) % domains:03d}.example"
            day = first_day + timedelta(days=n // (2 * domains))
            details = rnd.choice([0, 0, 1, 2, 3, 5, 12])
            make = _google if n % 2 == 0 else _microsoft
            report = make(rnd, domain, day, details)
            sent.append(report)
        domain = report["policies"][0]["policy"]["policy-domain"]
        org = report["contact-info"].split("@")[1]
        path = directory / f"{org}!{domain}!{n}!{n}!{n:05d}.json.gz"
        body = json.dumps(report, indent=1 if org == "microsoft.com" else None).encode()
        path.write_bytes(gzip.compress(body, mtime=n))
        paths.append(path)
    return paths


def big_report(details: int = 200_000, seed: int = 1) -> bytes:
    """One report of ~25 MB JSON with `details` failure details (gzip-compressed).

    Mixed shapes: most details are Google-like (every field), one in three is a Microsoft
    sts-policy-fetch-error without sending-mta-ip and receiving-mx-hostname.
    """
    rnd = random.Random(seed)
    report = _google(rnd, "example.com", date(2026, 6, 1), 0)
    failed: list[dict[str, Any]] = []
    for i in range(details):
        if i % 3 == 2:
            failed.append(
                {"result-type": "sts-policy-fetch-error", "failed-session-count": i % 7 + 1}
            )
            continue
        rtype, code = RESULT_TYPES[i % 5]
        detail: dict[str, Any] = {
            "result-type": rtype,
            "sending-mta-ip": f"209.85.{rnd.randrange(128, 256)}.{rnd.randrange(256)}",
            "receiving-mx-hostname": f"mx{i % 4}.example.com",
            "receiving-ip": f"192.0.2.{i % 250}",
            "failed-session-count": rnd.randrange(1, 40),
        }
        if code and i % 2:
            detail["failure-reason-code"] = code
        failed.append(detail)
    report["policies"][0]["failure-details"] = failed
    summary = report["policies"][0]["summary"]
    summary["total-failure-session-count"] = sum(d["failed-session-count"] for d in failed)
    return gzip.compress(json.dumps(report).encode(), mtime=0)


# --- the two sides ---------------------------------------------------------------------------


def _django() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")
    import django
    from django.conf import settings

    django.setup()
    # As in production: with DEBUG on, Django keeps the text of every query it ran.
    settings.DEBUG = False
    from django.db import connection
    from django.test.utils import setup_databases

    if connection.vendor != "postgresql" and not os.environ.get("BENCH_ALLOW_SQLITE"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (the benchmark is about PostgreSQL)")
    # A throw-away test_<name> database, migrated, like pytest-django's.
    return setup_databases(verbosity=0, interactive=False, serialized_aliases=[])


def _teardown(old: Any) -> None:
    from django.test.utils import teardown_databases

    teardown_databases(old, verbosity=0)


def _addresses(paths: list[Path]) -> dict[str, Any]:
    from reports.models import ReportAddress

    addresses: dict[str, Any] = {}
    for path in paths:
        domain = path.name.split("!")[1]
        if domain not in addresses:
            addresses[domain] = ReportAddress.objects.get_or_create(domain_name=domain)[0]
    return addresses


def _statuses() -> dict[str, int]:
    from django.db.models import Count

    from reports.models import RawReport

    return dict(RawReport.objects.values_list("parse_status").annotate(n=Count("id")).order_by())


def _reset() -> None:
    from reports.models import RawReport, TlsReport

    RawReport.objects.all().delete()
    TlsReport.objects.all().delete()


def ingest_mailsec_bulk(paths: list[Path]) -> tuple[float, dict[str, int]]:
    """reports.ingest.ingest_many (archive import; manage.py ingest_files)."""
    from reports.ingest import ingest_many

    addresses = _addresses(paths)
    t0 = time.perf_counter()
    # With each file's name, as ingest_files gives it (its §5.1 name read, task s45i).
    ingest_many((addresses[p.name.split("!")[1]], p.read_bytes(), p.name) for p in paths)
    seconds = time.perf_counter() - t0
    return seconds, _statuses()


def ingest_mailsec_each(paths: list[Path]) -> tuple[float, dict[str, int]]:
    """What the intake and the parse task do for one report at a time: commit the raw
    bytes, then parse, de-duplicate and store in a transaction of its own."""
    from reports.models import RawReport

    addresses = _addresses(paths)
    t0 = time.perf_counter()
    for path in paths:
        body = path.read_bytes()
        address = addresses[path.name.split("!")[1]]
        raw, created = RawReport.store(
            address, body, source=RawReport.HTTPS, content_type="application/tlsrpt+gzip"
        )
        if created:
            raw.process()  # what the parse task runs
    seconds = time.perf_counter() - t0
    return seconds, _statuses()


def ingest_parsedmarc(paths: list[Path]) -> tuple[float, int]:
    """parsedmarc's entry point for one file, as its CLI calls it (offline: no DNS, no
    geolocation downloads)."""
    import parsedmarc

    t0 = time.perf_counter()
    ok = 0
    for path in paths:
        result = parsedmarc.parse_report_file(path, offline=True)
        ok += result["report_type"] == "smtp_tls"
    return time.perf_counter() - t0, ok


def ingest_parsedmarc_narrow(paths: list[Path]) -> tuple[float, int]:
    """Only the two parsedmarc functions a TLS report needs: decompress, decode JSON."""
    import parsedmarc

    t0 = time.perf_counter()
    ok = 0
    for path in paths:
        text = parsedmarc.extract_report(path.read_bytes())
        parsedmarc.parse_smtp_tls_report_json(text)
        ok += 1
    return time.perf_counter() - t0, ok


def _hwm_mib() -> float:
    """Peak resident memory of this process (VmHWM). Not ru_maxrss: Linux carries that over
    exec from the parent, so a child started by a big parent would report the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory_child(side: str, path: str) -> None:
    """Run in a fresh process: parse (and store) one big report, print JSON figures."""
    data = Path(path).read_bytes()
    if side == "mailsec":
        old = _django()
        from django.test import override_settings

        from mailsec.celery import app

        app.conf.task_always_eager = True

        from reports.models import RawReport, ReportAddress, TlsReport

        with override_settings(TLSRPT_MAX_REPORT_BYTES=64 * 1024 * 1024):
            address = ReportAddress.objects.create(domain_name="example.com")
            raw, _ = RawReport.store(address, data, source=RawReport.HTTPS)
            del data
            raw = RawReport.objects.defer("body").get(pk=raw.pk)
            base = _hwm_mib()
            if os.environ.get("BENCH_TRACEMALLOC"):
                tracemalloc.start()
            t0 = time.perf_counter()
            status = raw.process()
            seconds = time.perf_counter() - t0
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            details = TlsReport.objects.get().failure_details.count()
        _teardown(old)
    else:
        import parsedmarc

        base = _hwm_mib()
        if os.environ.get("BENCH_TRACEMALLOC"):
            tracemalloc.start()
        t0 = time.perf_counter()
        parsed = parsedmarc.parse_report_file(data, offline=True)["report"]
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        status = "parsed"
        details = len(parsed["policies"][0]["failure_details"])
    print(
        json.dumps(
            {
                "status": status,
                "details": details,
                "seconds": seconds,
                "heap_peak_mib": peak / 2**20,
                "rss_before_mib": base,
                "rss_peak_mib": _hwm_mib(),
            }
        )
    )


def memory(side: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.reports_bench", "--memory-child", side, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench-tlsrpt")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--each", type=int, default=1000, help="files for the one-at-a-time figure")
    parser.add_argument("--memory-child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(*args.memory_child)
        return

    paths = generate(args.dir / "reports", args.files, args.domains)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} report files, {size / 2**20:.1f} MiB gzip, in {args.dir / 'reports'}")

    theirs, ok = ingest_parsedmarc(paths)
    narrow, narrow_ok = ingest_parsedmarc_narrow(paths)
    each = paths[: args.each]
    theirs_each, _ = ingest_parsedmarc(each)
    old = _django()
    try:
        # process() queues the alert task on commit: run it inline (these addresses belong
        # to no domain, so it returns at once) rather than leave messages on a broker.
        from mailsec.celery import app

        app.conf.task_always_eager = True
        ours, statuses = ingest_mailsec_bulk(paths)
        _reset()
        ours_each, statuses_each = ingest_mailsec_each(each)
    finally:
        _teardown(old)
    print(
        f"parsedmarc parse_report_file: {theirs:7.2f} s  {len(paths) / theirs:8.1f} files/s"
        f"  ({ok} parsed)"
    )
    print(
        f"parsedmarc extract_report + parse_smtp_tls_report_json: {narrow:7.2f} s"
        f"  {len(paths) / narrow:8.1f} files/s  ({narrow_ok} parsed)"
    )
    print(
        f"mailsec ingest_many:          {ours:7.2f} s  {len(paths) / ours:8.1f} files/s  {statuses}"
    )
    print(f"throughput ratio mailsec/parsedmarc = {theirs / ours:.2f} (goal >= 1.0)")
    print(f"against the narrower parsedmarc path: {narrow / ours:.2f}")
    print(f"(the same run: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    print(
        f"one report per transaction (intake + parse task), first {len(each)} files: "
        f"mailsec {len(each) / ours_each:.1f} files/s {statuses_each}, "
        f"parsedmarc {len(each) / theirs_each:.1f} files/s, ratio {theirs_each / ours_each:.3f}"
    )

    if args.skip_memory:
        return
    big = args.dir / "big-200k.json.gz"
    big.write_bytes(big_report())
    json_size = len(gzip.decompress(big.read_bytes()))
    print(f"big report: {json_size / 1e6:.1f} MB JSON, 200000 failure details")
    for side in ("mailsec", "parsedmarc"):
        m = memory(side, big)
        print(
            f"{side:10s}: {m['status']}, {m['details']} details, {m['seconds']:.1f} s, "
            f"peak RSS {m['rss_peak_mib']:.0f} MiB (process before: {m['rss_before_mib']:.0f})"
            + (
                f", Python heap peak {m['heap_peak_mib']:.0f} MiB"
                if os.environ.get("BENCH_TRACEMALLOC")
                else ""
            )
        )


if __name__ == "__main__":
    main()
