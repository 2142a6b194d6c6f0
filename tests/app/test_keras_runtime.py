"""Keras under Streamlit: the cleanup after each rerun must not collect the whole heap."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path

import keras  # imported at the top: Hypothesis elsewhere dislikes a first import inside a test
from streamlit.runtime.scriptrunner import script_runner

from cnnviz.ui.keras_runtime import keras_module

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_still_clears_the_keras_session_after_every_run(monkeypatch):
    # Why keras_module patches clear_session: if a Streamlit upgrade stops calling it,
    # this fails and the patch can go.
    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda: calls.append("cleared"))
    script_runner._clean_problem_modules()
    assert calls == ["cleared"]


def test_clearing_the_session_no_longer_collects_the_whole_heap(monkeypatch):
    module = keras_module()
    assert module is keras
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    script_runner._clean_problem_modules()
    keras.backend.clear_session()
    assert collections == []
    keras_module.clear()
    keras_module()  # a second import after the cache is cleared does not wrap twice
    assert keras.backend.clear_session.func.__name__ == "clear_session"
    assert keras.backend.clear_session.keywords == {"free_memory": False}


def test_the_server_does_not_collect_after_every_rerun():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
