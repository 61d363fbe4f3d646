#!/usr/bin/env bash
# The whole pytest suite in two parts at once (`make test` calls this after ruff):
#   - the lab tests (marked `lab`; every test asking for the lab is, tests/lab/pytest_plugin.py)
#     in one process with one lab, since the lab's servers listen on fixed loopback addresses;
#   - the rest in TEST_WORKERS processes (pytest-xdist, a file at a time), each with its own
#     test database and, with REDIS_URL, its own Redis database (tests/xdist_env.py).
# The lab tests mostly wait (timeouts, servers that stall on purpose), so the two parts share
# the CPUs well. Tests marked `serial` (the two accessibility sweeps in chromium) run in the
# lab's process too: the workers' part ended some five minutes after the lab's (fresh-clone CI
# at 02fa70f7: 19:31 against 14:35), and the suite's time is the later of the two.
# TEST_WORKERS=0 runs the whole suite in one process, as plain `pytest` does.
# Arguments (and PYTEST_ADDOPTS) go to both pytest runs: an option naming an output file, such
# as --junitxml, would have both write it. Fails if either part fails, or collects no test
# (with arguments, as `scripts/test.sh tests/test_hosting.py`: if neither part does).
# Each part ends with its 25 slowest tests (setup, call and teardown apart), so a run's log
# shows where its time went.
set -uo pipefail
cd "$(dirname "$0")/.."

workers=${TEST_WORKERS:-2}
if [ "$workers" = 0 ]; then
    exec .venv/bin/python -m pytest --durations=25 "$@"
fi

# The test modules' asserts rewritten once for the three processes below, each of which would
# otherwise rewrite all of them while collecting (16 of its ~29 s of CPU; scripts/rewrite_tests.py).
.venv/bin/python scripts/rewrite_tests.py "$workers"

rest_log=$(mktemp)
trap 'rm -f "$rest_log"' EXIT
echo "scripts/test.sh: lab tests here; the others in $workers processes, their output after"
.venv/bin/python -m pytest -p tests.xdist_env -n "$workers" --dist loadfile -m "not lab and not serial" --durations=25 "$@" \
    > "$rest_log" 2>&1 &
rest=$!
# Interrupted (Ctrl-C, CI's time limit): stop the other part too, not leave it running.
trap 'kill "$rest" 2>/dev/null; exit 130' INT TERM
.venv/bin/python -m pytest -m "lab or serial" --durations=25 "$@"
lab_rc=$?
wait "$rest"
rest_rc=$?
echo
echo "=== the tests that do not use the lab ($workers processes) ==="
cat "$rest_log"
echo
echo "scripts/test.sh: lab tests exit $lab_rc, the others exit $rest_rc"
if [ "$#" -gt 0 ] && [ "$lab_rc$rest_rc" != 55 ]; then
    # Arguments naming some tests may leave one part nothing to run (pytest's exit 5).
    [ "$lab_rc" = 5 ] && lab_rc=0
    [ "$rest_rc" = 5 ] && rest_rc=0
fi
[ "$lab_rc" = 0 ] && [ "$rest_rc" = 0 ]
