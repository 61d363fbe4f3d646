"""Pytest plugin: `pytest_plugins = ["tests.lab.pytest_plugin"]` gives a session-scoped `lab`.

The fixture reuses a live lab (MAILSEC_LAB_RUN, else the one /tmp/mailsec-lab/current points at)
and leaves it running; otherwise it starts its own and stops it at the end of the session. A lab that cannot start fails the test loudly: a skipped
lab test would read as a passed check.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.control import Lab
from tests.lab.runner import LabError, down, is_alive, load_state, up
from tests.lab.scenarios import Scenario, ScenarioError


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The lab's servers listen on fixed loopback addresses and its logs are shared: two
        # worker processes would each start one on the same addresses. scripts/test.sh runs
        # the lab tests in a process of their own, beside the workers running `-m "not lab"`
        # (pytest_itemcollected below marks every test that asks for the lab).
        pytest.fail(
            "the lab cannot run under pytest-xdist: run lab tests without -n", pytrace=False
        )
    run = os.environ.get("MAILSEC_LAB_RUN")
    if not run:
        # a lab started by hand with `python -m tests.lab up` is reused, and left running
        with contextlib.suppress(LabError):
            if is_alive(live := load_state()):
                run = live["run_dir"]
    if run:
        try:
            state = load_state(Path(run))
        except LabError as e:
            pytest.fail(f"MAILSEC_LAB_RUN={run} is not a lab run directory: {e}", pytrace=False)
        if not is_alive(state):
            pytest.fail(f"MAILSEC_LAB_RUN={run}: the lab there is not running", pytrace=False)
        yield Lab(state)
        return
    try:
        state = up()
    except (LabError, ScenarioError) as e:
        pytest.fail(f"the lab could not start: {e}", pytrace=False)
    except Exception as e:  # knotd/unbound exit codes, busy ports: all mean "no lab", loudly
        # where it happened: an unexpected exception's message alone did not say (a BadResponse)
        where = "".join(traceback.format_tb(e.__traceback__)[-3:])
        pytest.fail(f"the lab could not start: {type(e).__name__}: {e}\n{where}", pytrace=False)
    try:
        yield Lab(state)
    finally:
        down(Path(state["run_dir"]))


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test that asks for the lab (directly or through another fixture) is marked `lab`
    as it is collected, so `-m "not lab"` (the parallel part of scripts/test.sh) never gets
    one whose module forgot the mark."""
    if "lab" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("lab"):
        item.add_marker(pytest.mark.lab)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked with tests.lab.markers.exclusive run before the session lab exists."""
    items.sort(
        key=lambda item: 0 if getattr(getattr(item, "obj", None), "lab_exclusive", False) else 1
    )


# The scenarios the session's selected tests check by parameter (tests/test_engine_lab.py's
# test per scenario; a module parametrized by Scenario objects): checked together once, up
# front, by tests.test_engine_lab.scenario_report.
SELECTED_SCENARIOS: list[Scenario] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    seen: set[str] = set()
    SELECTED_SCENARIOS.clear()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        for value in callspec.params.values() if callspec else ():
            if isinstance(value, Scenario) and value.domain not in seen:
                seen.add(value.domain)
                SELECTED_SCENARIOS.append(value)


@pytest.hookimpl(trylast=True, specname="pytest_collection_finish")
def pytest_collection_finish_scenario_reports(session: pytest.Session) -> None:
    """A module whose tests read the shared reports (scenario_report) of scenarios they are not
    parametrized by (tests/test_dane_oracle.py's one test over every scenario with TLSA
    records) names them in a module-level SCENARIO_REPORTS: they are checked together up front
    with the others, not one at a time as each is read. Runs after the hook above fills the
    list, and adds only scenarios it does not have."""
    seen = {s.domain for s in SELECTED_SCENARIOS}
    modules = {id(m): m for item in session.items if (m := getattr(item, "module", None))}
    for module in modules.values():
        for scenario in getattr(module, "SCENARIO_REPORTS", ()):
            if scenario.domain not in seen:
                seen.add(scenario.domain)
                SELECTED_SCENARIOS.append(scenario)
