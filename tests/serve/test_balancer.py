"""Two replicas behind HAProxy on loopback: students stick to their replica, and both serve.

Starts ``deploy.serve.cluster`` (two ``streamlit run app.py`` and HAProxy), runs six
simulated students through the convolution part of the lesson (``bench/load``),
and checks what a class would notice if stickiness failed: the websocket going to
another replica than the page, or a reconnecting student losing their session.
Needs ``haproxy`` (CI installs it); skipped with that reason otherwise.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import socket

import pytest

from bench.load.client import StudentSession
from bench.load.lesson import convolution_steps, upper
from deploy.serve import REPLICA_OFFSET, cluster

from .helpers import run_async

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="haproxy is not installed (apt-get install haproxy)"
)
STUDENTS = 6
COOKIE = "CNNVIZ_REPLICA"


def free_base_port() -> int:
    """A port whose balancer, stats and two replica ports are all free on 127.0.0.1."""
    for base in range(8660, 8686):
        wanted = (base, base + 1, base + REPLICA_OFFSET + 1, base + REPLICA_OFFSET + 2)
        if all(_free(port) for port in wanted):
            return base
    pytest.fail("no free ports between 8660 and 8697 for two replicas and HAProxy")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cookie_replica(session: StudentSession) -> str:
    """The replica named by the sticky cookie the page load received."""
    pairs = dict(part.split("=", 1) for part in session.cookie.split("; ") if "=" in part)
    return pairs.get(COOKIE, "")


async def student(url: str, index: int) -> tuple[StudentSession, list]:
    """Load the page, connect, open the convolution page and change presets, stride, cells."""
    session = StudentSession(url, timeout_s=90)
    await session.load_page()
    await session.connect()
    done = [await session.open_page("convolution", "conv.open")]
    for step in convolution_steps(session, random.Random(index)):
        done.append(await step())
    return session, done


async def reconnect(session: StudentSession, cookie: str) -> str:
    """Close the websocket and resume the session with ``cookie``; return the session's id."""
    await session.close()
    session.cookie = cookie
    await session.connect(existing_session_id=session.session_id)
    result = await session.rerun("conv.after_reconnect")
    assert result.error is None, result
    return session.session_id


async def lesson_through(url: str) -> list[tuple[str, str, list]]:
    """Six students at once; return each one's cookie replica, websocket replica and reruns."""
    results = await asyncio.gather(*(student(url, i) for i in range(STUDENTS)))
    await asyncio.gather(*(session.close() for session, _ in results))
    return [
        (cookie_replica(session), session.handshake_headers["x-cnnviz-replica"], done)
        for session, done in results
    ]


@pytest.fixture(scope="module")
def two_replicas():
    with cluster(2, free_base_port()) as running:
        yield running


def test_students_stay_on_their_replica_and_both_replicas_serve(two_replicas):
    results = run_async(lesson_through(two_replicas.url))
    errors = [(i.step, i.error) for _, _, done in results for i in done if i.error]
    assert errors == []
    assert [len(done) for _, _, done in results] == [8] * STUDENTS  # open, then 7 changes
    # The websocket, where every rerun goes, reached the replica the page's cookie names.
    assert [answered for _, answered, _ in results] == [cookie for cookie, _, _ in results]
    assert {cookie for cookie, _, _ in results} == {"replica1", "replica2"}


def test_a_reconnecting_student_finds_their_session_only_on_their_replica(two_replicas):
    async def scenario() -> tuple[str, str, str, str]:
        session, done = await student(two_replicas.url, 0)
        assert [i.error for i in done] == [None] * len(done)
        mine = cookie_replica(session)
        other = "replica2" if mine == "replica1" else "replica1"
        first_id = session.session_id
        # With its cookie (what a browser sends), the same replica resumes the same session.
        same_id = await reconnect(session, f"{COOKIE}={mine}")
        # Sent to the other replica, the session is unknown there: a new one starts (the
        # loss that stickiness prevents; this shows the check above can fail).
        other_id = await reconnect(session, f"{COOKIE}={other}")
        await session.close()
        return first_id, same_id, other_id, session.handshake_headers["x-cnnviz-replica"]

    first_id, same_id, other_id, last_replica = run_async(scenario())
    assert first_id
    assert same_id == first_id
    assert other_id != first_id
    assert last_replica in {"replica1", "replica2"}


def test_the_simulated_students_changes_reach_the_page(two_replicas):
    """Through the balancer, a widget change reruns the page with it (the load is real work)."""

    async def scenario() -> list[int]:
        session = StudentSession(two_replicas.url, timeout_s=90)
        await session.load_page()
        await session.connect()
        await session.open_page("convolution", "conv.open")
        # The course's 5x7 input and a 3x3 kernel, no padding: 3 output rows (last index 2).
        rows = [upper(session, "conv_row", -1)]
        await session.change("conv_stride_rows", 2, "conv.stride")
        rows.append(upper(session, "conv_row", -1))  # stride 2: rows 0 and 2 of 3, so 2 rows
        await session.close()
        return rows

    assert run_async(scenario()) == [2, 1]
