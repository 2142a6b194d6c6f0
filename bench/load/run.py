"""One round of the load test: N students at once, their timings, the server's memory."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import websockets

from bench.load.client import Interaction, StudentSession
from bench.load.lesson import lesson
from bench.load.memory import rss_mb

MAX_STUDENTS = 200  # a round larger than this measures the client, not the server
PAGES = ("conv", "net", "sal", "train")
SAMPLE_S = 0.5  # how often the peak memory is sampled


@dataclass(frozen=True)
class Options:
    """How students behave: pause between steps, ramp-up, who trains, limits.

    ``think_s`` is the mean pause between two steps (0 for a saturation test),
    ``ramp_s`` the window in which the students arrive, ``train_every`` makes
    student 0, k, 2k... train, ``timeout_s`` bounds one rerun, ``round_s`` a
    whole round, ``settle_s`` the wait before the idle and after-close memory.
    """

    think_s: float = 2.0
    ramp_s: float = 10.0
    train_every: int = 10
    timeout_s: float = 120.0
    round_s: float = 1200.0
    settle_s: float = 5.0
    seed: int = 0


@dataclass
class Student:
    """One student's session, replica and reruns (``error`` if it never connected)."""

    index: int
    session: StudentSession
    interactions: list[Interaction] = field(default_factory=list)
    error: str | None = None

    @property
    def replica(self) -> str:
        """The replica that answered the websocket handshake (HAProxy's header), or ""."""
        return self.session.handshake_headers.get("x-cnnviz-replica", "")


async def attend(student: Student, options: Options) -> None:
    """Arrive within the ramp, load the page, connect, follow the lesson (never raises)."""
    rng = random.Random(options.seed * 100_003 + student.index)
    await asyncio.sleep(rng.uniform(0, options.ramp_s))
    trains = options.train_every > 0 and student.index % options.train_every == 0
    try:
        await student.session.load_page()
        await student.session.connect()
    except (OSError, websockets.InvalidHandshake, TimeoutError) as err:
        student.error = f"connect: {type(err).__name__}: {err}"
        return
    student.interactions = await lesson(student.session, rng, options.think_s, trains)


async def peak_memory(pids: tuple[int, ...], peak: list[float]) -> None:
    """Keep ``peak[0]`` at the largest RSS seen until cancelled."""
    while True:
        peak[0] = max(peak[0], rss_mb(pids) or 0.0)
        await asyncio.sleep(SAMPLE_S)


async def run_round(url: str, pids: tuple[int, ...], count: int, options: Options) -> dict:
    """Run ``count`` students at once against ``url``; return the round's summary.

    Parameters
    ----------
    url : str
        The server or the balancer, on loopback.
    pids : tuple of int
        The server processes whose memory is measured (empty: not measured).
    count : int
        1 to ``MAX_STUDENTS``.
    options : Options
    """
    if not 1 <= count <= MAX_STUDENTS:
        raise ValueError(f"students must be 1 to {MAX_STUDENTS}, not {count}")
    students = [Student(i, StudentSession(url, timeout_s=options.timeout_s)) for i in range(count)]
    before = rss_mb(pids)
    peak = [before or 0.0]
    sampler = asyncio.create_task(peak_memory(pids, peak))
    start = time.perf_counter()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(attend(s, options) for s in students)), options.round_s
        )
        unfinished = 0
    except TimeoutError:
        unfinished = count
    wall = time.perf_counter() - start
    sampler.cancel()
    await asyncio.sleep(options.settle_s)  # let the last reruns' garbage go
    idle = rss_mb(pids)
    await asyncio.gather(*(s.session.close() for s in students))
    await asyncio.sleep(options.settle_s)
    memory = {"before": before, "peak": peak[0] if pids else None, "idle": idle}
    memory["after_close"] = rss_mb(pids)
    return summarize(students, wall, memory, unfinished)


async def idle_cost(url: str, pids: tuple[int, ...], count: int, settle_s: float) -> dict:
    """Open ``count`` sessions on the convolution page and leave them idle: MB per session.

    The page's caches are warm by now (the lesson ran), so the difference is what
    one more student who opened the page and sits still costs the server.
    """
    sessions = [StudentSession(url) for _ in range(count)]
    await asyncio.sleep(settle_s)  # the memory freed after the last round is freed by now
    before = rss_mb(pids)
    for session in sessions:  # one at a time: this measures memory, not speed
        await session.load_page()
        await session.connect()
        await session.open_page("convolution", "conv.open")
    await asyncio.sleep(settle_s)
    idle = rss_mb(pids)
    await asyncio.gather(*(s.close() for s in sessions))
    per_session = None if None in (before, idle) else (idle - before) / count
    return {"sessions": count, "before_mb": before, "idle_mb": idle, "mb_per_session": per_session}


def percentiles(seconds: list[float]) -> dict[str, float | None]:
    """Return the median and 95th percentile of ``seconds`` (None for an empty list)."""
    if not seconds:
        return {"p50": None, "p95": None, "n": 0}
    p50, p95 = np.percentile(seconds, [50, 95])
    return {"p50": float(p50), "p95": float(p95), "n": len(seconds)}


def summarize(students: list[Student], wall: float, memory: dict, unfinished: int) -> dict:
    """Turn the students' reruns into latencies per page, errors, throughput and memory."""
    done = [i for s in students for i in s.interactions]
    errors = [f"student {s.index}: {s.error}" for s in students if s.error]
    errors += [f"{i.step}: {i.error}" for i in done if i.error]
    if unfinished:
        errors.append(f"round cut after its time limit, {wall:.0f} s")
    ok = [i for i in done if i.error is None]
    pages: dict[str, Any] = {
        page: percentiles([i.seconds for i in ok if i.step.startswith(f"{page}.")])
        for page in PAGES
    }
    pages["all"] = percentiles([i.seconds for i in ok])
    steps = {
        step: percentiles([i.seconds for i in ok if i.step == step])
        for step in sorted({i.step for i in ok})
    }
    replicas: dict[str, int] = {}
    for s in students:
        replicas[s.replica or "-"] = replicas.get(s.replica or "-", 0) + 1
    count = len(students)
    per_session = None
    if memory["idle"] is not None and memory["before"] is not None:
        per_session = (memory["idle"] - memory["before"]) / count
    return {
        "students": count,
        "reruns": len(done),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "seconds": wall,
        "reruns_per_s": len(done) / wall if wall else 0.0,
        "latency_s": pages,
        "latency_s_per_step": steps,
        "memory_mb": memory | {"per_idle_session": per_session},
        "sessions_per_replica": replicas,
    }
