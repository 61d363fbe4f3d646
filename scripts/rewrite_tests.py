"""Rewrite the test modules' asserts once, before scripts/test.sh starts its pytest processes.

pytest rewrites the assert statements of every test module it imports (that is what gives a
failed assert its values) and keeps the result in a cache file beside the module
(tests/__pycache__/<name>.cpython-311-pytest-<version>.pyc), except when
PYTHONDONTWRITEBYTECODE is set. scripts/test.sh starts three processes at once (the lab's and
two pytest-xdist workers), and each imports all ~1,050 test modules while collecting: with the
variable set, or in a fresh clone (where they all start before any cache file exists), each
rewrote every module, 16 of the ~29 s of CPU a collection took (`pytest --co` of the suite
against `--assert=plain`: 29.4 s against 13.2 s). Here the rewriting is done once, split over
`N` processes, and written where pytest looks for it (pytest's own cache directory, which
follows PYTHONPYCACHEPREFIX); pytest reads a cache file even when it may not write one.

pytest checks each cache file against its source's hash before using it, so a stale one is
never run: a file that changed, or that this script could not write, is rewritten by pytest
as before. This script only saves time, so any failure here (a pytest whose internals moved,
say) is reported and ignored: the run goes on and rewrites as it used to.

The rewriting here is pytest's (_pytest.assertion.rewrite, the functions its import hook
calls) without a pytest configuration, which leaves out only the assertion-pass hook
(`enable_assertion_pass_hook`, which pyproject.toml does not set).

Usage: python scripts/rewrite_tests.py [N]   (N processes, default 2)
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

TESTS = Path(__file__).resolve().parent.parent / "tests"


def test_modules() -> list[Path]:
    """The modules pytest rewrites while collecting the suite: its test files (pytest's
    default `test_*.py`) and the conftest files, largest first so the processes end together."""
    found = {*TESTS.rglob("test_*.py"), *TESTS.rglob("conftest.py")}
    return sorted(found, key=lambda path: path.stat().st_size, reverse=True)


def rewrite(paths: list[Path]) -> int:
    """Write the rewritten code of each path that has no valid cache file; how many written."""
    from _pytest.assertion.rewrite import (
        PYC_TAIL,
        _read_pyc,
        _rewrite_test,
        _write_pyc,
        get_cache_dir,
    )

    # _write_pyc reads only the trace of pytest's assertion state (to log a failed write).
    state = SimpleNamespace(trace=lambda message: None)
    written = 0
    for path in paths:
        cache_dir = get_cache_dir(path)
        pyc = cache_dir / (path.name[:-3] + PYC_TAIL)
        if _read_pyc(path, pyc) is not None:
            continue
        try:
            cache_dir.mkdir(exist_ok=True)
            # (the source's hash, or its stat with pytest 8: what _write_pyc takes)
            source_key, code = _rewrite_test(path, None)  # type: ignore[arg-type]
        except (OSError, SyntaxError, ValueError):
            continue  # pytest meets it again while collecting, and says what is wrong there
        written += bool(_write_pyc(state, code, source_key, pyc))  # type: ignore[arg-type]
    return written


def main(processes: int) -> int:
    modules = test_modules()
    shares = [modules[i::processes] for i in range(processes)]
    try:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            written = sum(pool.map(rewrite, shares))
    except Exception as e:  # a cache only: without it pytest rewrites as before
        print(f"scripts/rewrite_tests.py: not done ({type(e).__name__}: {e})", file=sys.stderr)
        return 0
    print(f"scripts/rewrite_tests.py: {written} of {len(modules)} test modules rewritten")
    return 0


if __name__ == "__main__":
    try:
        count = max(1, int(sys.argv[1])) if len(sys.argv) > 1 else 2
    except ValueError:  # TEST_WORKERS as pytest-xdist reads it ("auto", "logical"): its default
        count = 2
    sys.exit(main(count))
