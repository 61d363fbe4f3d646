import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.cli import EXIT_NOT_CHECKED, EXIT_USAGE, main, render_text
from checks.config import CheckConfig, ConfigError, parse_hostport
from checks.findings import DomainReport, Finding, Mechanism, Status


@pytest.fixture
def silent_resolver() -> Iterator[str]:
    """A UDP 'resolver' that reads queries and never answers: every lookup times out."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                sock.recvfrom(4096)
            except OSError:
                continue

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    # Wake the thread now, not at its recvfrom's next 0.2 s timeout: it then sees `stop`.
    sock.sendto(b"", sock.getsockname())
    thread.join()
    sock.close()


def test_it_refuses_an_ip_address_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["192.0.2.1", "--resolver", "127.0.0.1:9"]) == EXIT_NOT_CHECKED
    assert "IP address" in capsys.readouterr().out


def test_timeouts_are_not_failures(
    silent_resolver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["example.com", "--json", "--resolver", silent_resolver, "--timeout", "0.5"])
    report = json.loads(capsys.readouterr().out)
    assert status == EXIT_NOT_CHECKED
    statuses = {f["status"] for f in report["findings"]}
    assert "fail" not in statuses
    assert "error" in statuses
    assert report["score_detail"]["partial"] is True


def test_it_runs_without_django() -> None:
    code = (
        "import sys; from checks.cli import main; "
        "rc = main(['192.0.2.1']); "
        "assert 'django' not in sys.modules, 'engine imported django'; sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == EXIT_NOT_CHECKED, result.stderr


def test_bad_resolver_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["example.com", "--resolver", "127.0.0.1:notaport"])
    assert exc.value.code == EXIT_USAGE == 64


@pytest.mark.parametrize(
    "argv",
    [
        [],  # no domain
        ["example.com", "--timeout", "0"],
        ["example.com", "--timeout", "-1"],
        ["example.com", "--timeout", "nan"],
        ["example.com", "--timeout", "inf"],
        ["example.com", "--ca-bundle", "/nonexistent/ca.pem"],
        ["example.com", "--resolver", "bogus"],
        ["example.com", "--resolver", "dns.example:53"],
        ["example.com", "--no-such-option"],
    ],
)
def test_usage_and_config_errors_exit_64_not_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # 2 means "something could not be checked": a script must not read a typo as a fact
    # about the domain.
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "mailsec check: error:" in captured.err


def test_a_bad_resolver_in_the_environment_exits_64(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILSEC_RESOLVER", "dns.example:53")
    with pytest.raises(SystemExit) as exc:
        main(["example.com"])
    assert exc.value.code == EXIT_USAGE
    assert "MAILSEC_RESOLVER" in capsys.readouterr().err


def test_resolvers_must_be_ip_addresses() -> None:
    assert parse_hostport("127.0.53.2:53") == ("127.0.53.2", 53)
    assert parse_hostport("[::1]:5353") == ("::1", 5353)
    assert parse_hostport("9.9.9.9") == ("9.9.9.9", 53)
    # A name used to be taken, and then every mechanism ended as an internal error.
    for bad in ("bogus", "dns.example:53", "[dns.example]:53", "999.1.1.1"):
        with pytest.raises(ConfigError, match="not an IP address"):
            parse_hostport(bad)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3"])
def test_check_timeout_from_the_environment_must_be_finite_and_positive(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", value)
    with pytest.raises(ConfigError, match="MAILSEC_CHECK_TIMEOUT"):
        CheckConfig.from_env()


def test_resolver_from_the_environment_must_be_an_ip_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILSEC_RESOLVER", "127.0.0.1:53,dns.example:53")
    with pytest.raises(ConfigError, match="MAILSEC_RESOLVER.*'dns.example' is not an IP"):
        CheckConfig.from_env()


# Every C0/C1 control character (and DEL) but tab.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def test_text_output_escapes_control_characters_from_dns() -> None:
    # What a hostile zone can put in a TXT record: retitle and clear the terminal, and forge
    # an output line of its own.
    record = "v=spf1 \x1b]0;owned\x07\x1b[2J mx\n    PASS  SPF-99     all good\r -all"
    report = DomainReport(
        domain="example.com",
        score=50,
        score_version=3,
        findings=[
            Finding(
                id="SPF-02",
                status=Status.FAIL,
                mechanism=Mechanism.SPF,
                summary=f"The SPF record {record} is broken.",
                subject=record,
                fix=f'Publish instead of {record}:\nexample.com. TXT "v=spf1 mx -all"\x85x\x9b2J',
            )
        ],
    )
    out = io.StringIO()
    render_text(report, out, colour=False)
    text = out.getvalue()
    assert not _CONTROL.search(text.replace("\n", ""))
    assert "\\x1b]0;owned\\x07\\x1b[2J mx\\x0a    PASS  SPF-99     all good\\x0d -all" in text
    lines = text.splitlines()
    # The finding is one line. A fix is lines of text, so a line break it copied from the
    # record starts a line too, but one marked "fix:", which cannot pass for a finding.
    assert [line.split()[0] for line in lines if line.strip()] == [
        "example.com", "SPF", "FAIL", "fix:", "fix:", "fix:", "checked"
    ]  # fmt: skip
    assert [line for line in lines if "fix:" in line][-1].endswith('"v=spf1 mx -all"\\x85x\\x9b2J')

    failed = DomainReport(domain="bad\x1b[2J\nname", error="not a domain: \x07\x1b]0;x\x07")
    out = io.StringIO()
    render_text(failed, out, colour=False)
    assert out.getvalue() == (
        "bad\\x1b[2J\\x0aname: could not check: not a domain: \\x07\\x1b]0;x\\x07\n\n"
    )


def test_text_output_keeps_tabs_and_plain_text() -> None:
    report = DomainReport(
        domain="example.com",
        score=100,
        score_version=3,
        findings=[Finding("SPF-01", Status.WARN, Mechanism.SPF, "café\tok", fix="a\nb")],
    )
    out = io.StringIO()
    render_text(report, out, colour=False)
    assert "café\tok" in out.getvalue()
    assert "fix: a\n" in out.getvalue() and "fix: b\n" in out.getvalue()


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `mailsec check … | head -c 100`: the reader closes the pipe before we write.
    proc = subprocess.Popen(
        [sys.executable, "-m", "checks", "192.0.2.1", "--resolver", "127.0.0.1:9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
        env={k: v for k, v in os.environ.items() if not k.startswith("MAILSEC_")},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    # The checks ran to the end, so the status is theirs (an IP address: could not check).
    assert proc.wait(timeout=60) == EXIT_NOT_CHECKED, stderr
    assert stderr == ""
