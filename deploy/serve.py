"""Serve a class: N ``streamlit run app.py`` replicas on loopback and HAProxy in front.

Run from the checkout::

    python -m deploy.serve --replicas 3 --port 8501

Students open ``http://<this machine>:8501`` (``--host 0.0.0.0`` lets the
classroom's network in; the default, 127.0.0.1, only this machine). Replica
``i`` listens on 127.0.0.1 at ``port + 10 + i``; HAProxy's stats page is on
127.0.0.1 at ``port + 1``. Ctrl-C (or SIGTERM) stops HAProxy and every replica.

Each student stays on the replica that first answered (a cookie): a Streamlit
session, its widgets and its trainings live in that replica's memory. Trainings
queue per replica, as on a single server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
MAX_REPLICAS = 16  # more processes than this on one machine only share the same cores
REPLICA_OFFSET = 10  # replica i listens on port + REPLICA_OFFSET + i


@dataclass(frozen=True)
class Cluster:
    """What is running: the students' URL, the stats page, and every process id.

    ``replica_urls[i]`` is replica ``i + 1``'s own address (cookie ``replica<i+1>``);
    ``pids`` are the replicas' processes (for their memory); ``haproxy_pid`` is None
    when a single server runs without a balancer.
    """

    url: str
    logs: Path
    stats_url: str | None
    replica_urls: tuple[str, ...]
    pids: tuple[int, ...]
    haproxy_pid: int | None


def healthy(url: str) -> bool:
    """Whether ``url``'s ``/_stcore/health`` answers 200 right now."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Wait until ``url`` is healthy; raise RuntimeError if ``process`` dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer on /_stcore/health within {timeout_s:g} s")
        time.sleep(0.3)


@contextmanager
def running(command: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run ``command`` from the checkout until the block ends, its output into ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def replica_command(port: int) -> list[str]:
    """``streamlit run app.py`` on 127.0.0.1:``port``, headless, without the file watcher."""
    return [
        *(sys.executable, "-m", "streamlit", "run", "app.py"),
        *("--server.address", "127.0.0.1", "--server.port", str(port)),
        *("--server.headless", "true", "--server.fileWatcherType", "none"),
    ]


def backend_config(ports: list[int]) -> str:
    """HAProxy's ``backend cnnviz``: one server per replica port, cookie ``replica<i>``."""
    lines = ["backend cnnviz"]
    lines += [
        f"    server replica{i} 127.0.0.1:{port} cookie replica{i}"
        for i, port in enumerate(ports, start=1)
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def cluster(
    replicas: int,
    port: int,
    host: str = "127.0.0.1",
    balancer: bool = True,
    log_dir: Path | None = None,
) -> Iterator[Cluster]:
    """Start ``replicas`` servers (and HAProxy on ``host:port`` if ``balancer``); stop all after.

    Parameters
    ----------
    replicas : int
        1 to ``MAX_REPLICAS``.
    port : int
        Where students connect; without a balancer, the single replica's own port.
    balancer : bool
        False runs one replica on ``port`` itself, with no HAProxy (``replicas`` must be 1).
    log_dir : Path, optional
        Where each process's output goes (a temporary folder by default).

    Raises
    ------
    ValueError
        Out-of-range counts or ports, or no ``haproxy`` on the PATH.
    RuntimeError
        If a process does not become healthy within 90 s.
    """
    if not 1 <= replicas <= MAX_REPLICAS or (not balancer and replicas != 1):
        raise ValueError(
            f"replicas must be 1 to {MAX_REPLICAS} (1 without a balancer), not {replicas}"
        )
    if not 1024 <= port <= 65535 - REPLICA_OFFSET - replicas:
        raise ValueError(f"port must be 1024 to {65535 - REPLICA_OFFSET - replicas}, not {port}")
    if balancer and shutil.which("haproxy") is None:
        raise ValueError("haproxy is not installed (Debian/Ubuntu: apt-get install haproxy)")
    with ExitStack() as stack:
        logs = log_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cnnviz-")))
        # One cookie secret for every replica: a student sent to another replica (theirs
        # stopped) keeps a valid XSRF token for uploads.
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        ports = [port + REPLICA_OFFSET + i for i in range(1, replicas + 1)] if balancer else [port]
        processes = [
            stack.enter_context(running(replica_command(p), logs / f"replica{i}.log", env))
            for i, p in enumerate(ports, start=1)
        ]
        urls = tuple(f"http://127.0.0.1:{p}" for p in ports)
        for url, process in zip(urls, processes, strict=True):
            wait_healthy(url, process, timeout_s=90)
        pids = tuple(p.pid for p in processes)
        if not balancer:
            yield Cluster(urls[0], logs, None, urls, pids, None)
            return
        backend = logs / "backend.cfg"
        backend.write_text(backend_config(ports))
        env |= {"CNNVIZ_BIND": f"{host}:{port}", "CNNVIZ_STATS_BIND": f"127.0.0.1:{port + 1}"}
        command = ["haproxy", "-db", "-f", str(HAPROXY_CFG), "-f", str(backend)]
        haproxy = stack.enter_context(running(command, logs / "haproxy.log", env))
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, haproxy, timeout_s=30)
        yield Cluster(url, logs, f"http://127.0.0.1:{port + 1}/", urls, pids, haproxy.pid)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (docker stop, systemd) ends the launcher like Ctrl-C: everything is stopped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, start the cluster, and wait for Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.serve", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--replicas", type=int, default=2, help="streamlit processes (1-16; default 2)"
    )
    parser.add_argument(
        "--port", type=int, default=8501, help="where students connect (default 8501)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="HAProxy's address (0.0.0.0: the classroom's network)"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with cluster(args.replicas, args.port, args.host) as running_cluster:
            print(f"cnnviz for the class: http://{args.host}:{args.port}")
            print(f"  {args.replicas} replicas: {', '.join(running_cluster.replica_urls)}")
            print(f"  HAProxy stats: {running_cluster.stats_url}   logs: {running_cluster.logs}")
            print("  Ctrl-C stops everything")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("stopped")
    except (ValueError, RuntimeError) as err:
        sys.exit(f"python -m deploy.serve: {err}")


if __name__ == "__main__":
    main()
