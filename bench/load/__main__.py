"""Load test: a class of simulated students on one server, or on replicas behind HAProxy.

Run by hand from the checkout (never in the test suite)::

    python -m bench.load --students 10,30,60                 # starts its own server on 8620
    python -m bench.load --students 30 --replicas 1,2 --think 0   # 1 vs 2 replicas, saturated
    python -m bench.load --students 5 --url http://127.0.0.1:8501  # a server already running

No browser: each student is a websocket speaking Streamlit's protocol (see
``bench/load/client.py``) and follows the lesson in ``bench/load/lesson.py``
(convolution: presets, stride, cells; trained network: two test digits;
saliency; one student in ten trains one epoch). A warm-up student runs the
whole lesson first, unmeasured, so the first round does not pay for imports.

For each round it prints the rerun latency (BackMsg sent to script_finished),
median and 95th percentile, per page; the errors (exceptions in the page, lost
connections, timeouts); reruns per second; and the servers' resident memory
before, at the peak, with every student connected and idle after the lesson,
and after they all closed. Streamlit keeps a closed session for
``server.disconnectedSessionTTL`` (120 s) so that a student who reconnects
finds their work: memory "after" is freed only then. Targets: with 30
students, convolution p95 under 1 s and no error. Everything runs on
127.0.0.1; the JSON has the same numbers (``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench.load.memory import listening_pid
from bench.load.run import MAX_STUDENTS, Options, idle_cost, run_round
from deploy.serve import MAX_REPLICAS, cluster

CONV_P95_TARGET_S = 1.0
TARGET_STUDENTS = 30
# The resident size of a Python process moves by a few MB on its own (allocator arenas).
NOISE = ": within the noise of RSS, under 1 MB"


def counts(text: str, top: int) -> list[int]:
    """Parse ``"10,30,60"`` into whole numbers from 1 to ``top`` (argparse's type)."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"whole numbers separated by commas, not {text!r}"
        ) from None
    if not values or not all(1 <= v <= top for v in values):
        raise argparse.ArgumentTypeError(f"each from 1 to {top}, not {text!r}")
    return values


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line (every value bounded)."""
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--students", type=lambda s: counts(s, MAX_STUDENTS), default=[10, 30, 60])
    p.add_argument("--replicas", type=lambda s: counts(s, MAX_REPLICAS), default=[1])
    p.add_argument("--url", help="a running server on 127.0.0.1 (then --replicas is ignored)")
    p.add_argument("--pid", type=int, action="append", help="its process(es), for the memory")
    p.add_argument("--port", type=int, default=8620, help="where its own server listens")
    p.add_argument("--think", type=float, default=2.0, help="mean pause between steps (s)")
    p.add_argument("--ramp", type=float, default=10.0, help="students arrive within (s)")
    p.add_argument("--train-every", type=int, default=10, help="1 student in N trains (0: none)")
    p.add_argument("--round-minutes", type=float, default=20.0, help="longest round")
    p.add_argument("--idle", type=int, default=20, help="idle sessions for the memory (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="where to write the numbers (default: in /tmp)")
    args = p.parse_args(argv)
    if not (0 <= args.think <= 60 and 0 <= args.ramp <= 600 and 0 < args.round_minutes <= 120):
        p.error("--think 0-60 s, --ramp 0-600 s, --round-minutes up to 120")
    if not 0 <= args.idle <= MAX_STUDENTS or not 0 <= args.train_every <= MAX_STUDENTS:
        p.error(f"--idle and --train-every from 0 to {MAX_STUDENTS}")
    return args


async def rounds(
    url: str, pids: tuple[int, ...], args: argparse.Namespace, warm_urls: tuple[str, ...]
) -> list[dict]:
    """Warm each server up with one unmeasured student, then run each class size in turn.

    ``warm_urls`` are the replicas' own addresses: through the balancer the
    warm-up student would reach only one of them, and the others would import
    TensorFlow during the first measured round.

    Before the rounds, ``--idle`` sessions open the convolution page and sit
    still: the memory one idle student costs (in the first round's entry).
    """
    options = Options(
        think_s=args.think,
        ramp_s=args.ramp,
        train_every=args.train_every,
        round_s=args.round_minutes * 60,
        seed=args.seed,
    )
    warm = Options(think_s=0, ramp_s=0, train_every=1, settle_s=0, seed=args.seed + 1)
    for warm_url in warm_urls:
        await run_round(warm_url, (), 1, warm)
    idle = None
    if args.idle and pids:  # before the rounds, whose freed memory would blur it
        print(f"  {args.idle} idle sessions...", flush=True)
        idle = await idle_cost(url, pids, args.idle, options.settle_s)
    results = []
    for count in args.students:
        print(f"  {count} students...", flush=True)
        results.append(await run_round(url, pids, count, options))
    if idle:
        results[0]["idle_sessions"] = idle
    return results


def measure(args: argparse.Namespace) -> list[dict]:
    """Run every round, on ``--url`` or on servers this command starts and stops."""
    if args.url:
        port = int(args.url.rsplit(":", 1)[1].strip("/"))
        pids = tuple(args.pid or filter(None, [listening_pid(port)]))
        results = asyncio.run(rounds(args.url, pids, args, (args.url,)))
        return [r | {"replicas": None} for r in results]
    results = []
    for replicas in args.replicas:
        print(f"{replicas} replica(s) on 127.0.0.1:{args.port}...", flush=True)
        with cluster(replicas, args.port, balancer=replicas > 1) as running:
            found = asyncio.run(rounds(running.url, running.pids, args, running.replica_urls))
        results += [r | {"replicas": replicas} for r in found]
    return results


def cell(stats: dict) -> str:
    """Format a page's ``p50 / p95`` in seconds, or a dash if it ran no rerun."""
    if not stats["n"]:
        return "-"
    return f"{stats['p50']:.2f} / {stats['p95']:.2f}"


def mb(value: float | None, digits: int = 0) -> str:
    """Format megabytes, or a dash if not measured."""
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[dict]) -> str:
    """Return the report: one line per round, then the targets' verdict."""
    head = (
        f"{'repl':>4} {'stud':>4} {'reruns':>6} {'err':>3} {'conv p50/p95':>13} "
        f"{'net p50/p95':>13} {'sal p50/p95':>13} {'train p50/p95':>14} {'rerun/s':>7} "
        f"{'RSS MB before/peak/idle/after':>30} {'MB/idle stud':>12}"
    )
    lines = [head]
    for r in results:
        lat, mem = r["latency_s"], r["memory_mb"]
        rss = "/".join(mb(mem[k]) for k in ("before", "peak", "idle", "after_close"))
        lines.append(
            f"{r['replicas'] or 'url':>4} {r['students']:>4} {r['reruns']:>6} {r['errors']:>3} "
            f"{cell(lat['conv']):>13} {cell(lat['net']):>13} {cell(lat['sal']):>13} "
            f"{cell(lat['train']):>14} {r['reruns_per_s']:>7.1f} {rss:>30} "
            f"{mb(mem['per_idle_session'], 1):>12}"
        )
        lines += [f"       ! {e}" for e in r["error_samples"]]
        if r["replicas"] and r["replicas"] > 1:
            lines.append(f"       sessions per replica: {r['sessions_per_replica']}")
    lines.append("latencies in seconds, from the BackMsg sent to script_finished")
    for r in results:
        if "idle_sessions" in r:
            idle = r["idle_sessions"]
            lines.append(
                f"{r['replicas'] or 'url'} replica(s): {idle['sessions']} sessions idle "
                f"on the convolution page cost {mb(idle['mb_per_session'], 1)} MB each "
                f"({mb(idle['before_mb'])} -> {mb(idle['idle_mb'])} MB)"
                + (NOISE if abs(idle["mb_per_session"] or 0) < 1 else "")
            )
    for r in results:
        if r["students"] == TARGET_STUDENTS:
            p95 = r["latency_s"]["conv"]["p95"]
            ok = p95 is not None and p95 < CONV_P95_TARGET_S and r["errors"] == 0
            lines.append(
                f"target, {r['replicas'] or 'url'} replica(s), 30 students: convolution p95 "
                f"{p95 if p95 is None else round(p95, 2)} s (< 1 s), {r['errors']} errors (0): "
                + ("MET" if ok else "MISSED")
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the load test, print the table and write the JSON."""
    args = parse(argv)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results = measure(args)
    print(table(results))
    setup = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    machine = {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()}
    report = {"started": started, "setup": setup, "machine": machine, "rounds": results}
    path = args.json or Path(tempfile.gettempdir()) / f"cnnviz-load-{started.replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written: {path}")


if __name__ == "__main__":
    sys.exit(main())
