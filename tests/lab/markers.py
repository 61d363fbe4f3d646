"""Test markers that need no entry in the project's marker list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def exclusive(fn: F) -> F:
    """A test that starts and stops its own lab on the fixed addresses; the lab pytest plugin
    runs it before anything creates the shared session lab."""
    fn.lab_exclusive = True  # type: ignore[attr-defined]
    return fn
