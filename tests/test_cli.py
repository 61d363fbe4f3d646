import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from checks.cli import EXIT_NOT_CHECKED, main


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
    assert exc.value.code == 2
