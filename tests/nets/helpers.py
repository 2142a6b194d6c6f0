"""Checks the tests of cnnviz.nets share."""

from __future__ import annotations

from tests.core.helpers import assert_actionable

__all__ = ["assert_actionable"]
