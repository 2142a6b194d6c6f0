"""The load test's pieces that need no server: parsing, statistics, widget states, memory."""

from __future__ import annotations

import argparse
import os
import random
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.load.__main__ import counts, parse, table
from bench.load.client import Interaction, StudentSession, Widget, _put, _value_field
from bench.load.lesson import lesson
from bench.load.memory import listening_pid, rss_mb
from bench.load.run import Student, percentiles, summarize

from .helpers import run_async


def test_counts_are_bounded_whole_numbers():
    assert counts("10,30,60", 200) == [10, 30, 60]
    for bad in ("0", "201", "ten", "10,,30", "", "-5"):
        with pytest.raises(argparse.ArgumentTypeError):
            counts(bad, 200)


def test_command_line_rejects_unbounded_values():
    for argv in (["--think", "-1"], ["--round-minutes", "0"], ["--idle", "500"], ["--ramp", "1e9"]):
        with pytest.raises(SystemExit):
            parse(argv)
    assert parse(["--students", "3"]).students == [3]


def test_percentiles_by_hand():
    assert percentiles([0.1, 0.2, 0.3, 0.4]) == pytest.approx({"p50": 0.25, "p95": 0.385, "n": 4})
    assert percentiles([]) == {"p50": None, "p95": None, "n": 0}


@given(st.lists(st.floats(0, 100), min_size=1, max_size=50))
def test_percentiles_lie_within_the_values(values):
    stats = percentiles(values)
    assert min(values) <= stats["p50"] <= stats["p95"] <= max(values)


def student(index, replica, interactions, error=None):
    session = StudentSession("http://127.0.0.1:1")
    session.handshake_headers = {"x-cnnviz-replica": replica} if replica else {}
    return Student(index, session, interactions, error)


def test_summary_groups_by_page_and_counts_every_error():
    students = [
        student(0, "replica1", [Interaction("conv.open", 0.5), Interaction("conv.cell", 0.1)]),
        student(1, "replica2", [Interaction("net.open", 2.0), Interaction("sal.open", 9, "boom")]),
        student(2, "", [], error="connect: OSError"),
    ]
    memory = {"before": 100.0, "peak": 160.0, "idle": 130.0, "after_close": 120.0}
    summary = summarize(students, wall=4.0, memory=memory, unfinished=0)
    assert summary["reruns"] == 4
    assert summary["errors"] == 2
    assert summary["error_samples"] == ["sal.open: boom", "student 2: connect: OSError"]
    assert summary["reruns_per_s"] == 1.0
    assert summary["latency_s"]["conv"] == pytest.approx({"p50": 0.3, "p95": 0.48, "n": 2})
    assert summary["latency_s"]["sal"]["n"] == 0  # the failed rerun is not a latency
    assert summary["latency_s"]["all"]["n"] == 3
    assert summary["memory_mb"]["per_idle_session"] == 10.0  # (130 - 100) / 3 students
    assert summary["sessions_per_replica"] == {"replica1": 1, "replica2": 1, "-": 1}
    report = table([summary | {"replicas": 2}])
    assert "! sal.open: boom" in report
    assert "100/160/130/120" in report


def test_widget_states_take_the_field_the_browser_fills():
    def widget(kind, proto=None):
        return Widget("$$ID-abc-key", kind, "", proto)

    assert (
        _value_field(widget("number_input", NumberInput(data_type=NumberInput.INT))) == "int_value"
    )
    assert _value_field(widget("number_input", NumberInput(data_type=NumberInput.FLOAT))) == (
        "double_value"
    )
    assert _value_field(widget("selectbox")) == "string_value"
    with pytest.raises(ValueError, match="cannot set a file_uploader"):
        _value_field(widget("file_uploader"))
    state = WidgetState()
    _put(state, "string_array_value", ["a", "b"])
    assert list(state.string_array_value.data) == ["a", "b"]
    _put(state, "int_value", 7)
    assert state.int_value == 7


def test_a_session_finds_widgets_by_user_key_and_stays_on_loopback():
    session = StudentSession("http://127.0.0.1:1")
    session.widgets = {"$$ID-1-conv_row": Widget("$$ID-1-conv_row", "number_input", "f1", None)}
    assert session.find("conv_row").fragment_id == "f1"
    with pytest.raises(KeyError):
        session.find("row")  # the whole key, not its end
    with pytest.raises(ValueError, match="loopback only"):
        StudentSession("http://example.org:8501")._checked_url()


def test_memory_of_this_process_and_of_a_listening_socket():
    own = rss_mb((os.getpid(),))
    assert own is not None and own > 10
    assert rss_mb((os.getpid(), os.getpid())) == pytest.approx(2 * own, rel=0.05)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert listening_pid(sock.getsockname()[1]) == os.getpid()


class OfflineSession(StudentSession):
    """Answers every rerun at once and draws no widget (a page the lesson does not know)."""

    async def rerun(self, step, fragment_id="", trigger=""):
        return Interaction(step, 0.01)


def test_a_lesson_on_a_page_without_its_widgets_reports_an_error_and_stops():
    done = run_async(lesson(OfflineSession("http://127.0.0.1:1"), random.Random(0), 0, True))
    assert [(i.step, i.error) for i in done] == [
        ("conv.open", None),
        ("conv.lesson", "lesson: \"no widget with key 'conv_preset_0' on page 'convolution'\""),
    ]
