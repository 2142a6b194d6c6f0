"""A real ``streamlit run app.py`` on a free localhost port, for browser tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.serve import healthy

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(timeout_s: float = 60.0) -> Iterator[str]:
    """Run the app on 127.0.0.1 until the block ends; yield its URL once it answers.

    Raises
    ------
    RuntimeError
        If ``/_stcore/health`` does not answer within ``timeout_s`` seconds.
    """
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", "app.py"),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while not healthy(url):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit run did not answer on /_stcore/health in {timeout_s} s"
                )
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
