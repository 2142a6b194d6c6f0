"""The deployment files: compose.yaml, the Dockerfile, .dockerignore and HAProxy's config.

Docker is not needed: the YAML is parsed and the Dockerfile's essentials read;
HAProxy checks both of its configurations itself when it is installed (CI installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.serve import HAPROXY_CFG, backend_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    # Join continued lines so each instruction is one line.
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def instructions(dockerfile: str, name: str) -> list[str]:
    return [
        line.split(None, 1)[1] for line in dockerfile.splitlines() if line.startswith(name + " ")
    ]


def test_compose_runs_replicas_of_the_image_behind_haproxy(compose):
    app, haproxy = compose["services"]["app"], compose["services"]["haproxy"]
    assert app["build"] == "."
    assert app["deploy"]["replicas"] == 3
    assert "ports" not in app  # students reach the replicas only through HAProxy
    assert app["expose"] == ["8501"]
    assert haproxy["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert haproxy["ports"] == ["8501:8501", "127.0.0.1:8404:8404"]  # stats: loopback only
    assert haproxy["environment"] == {"CNNVIZ_BIND": ":8501", "CNNVIZ_STATS_BIND": ":8404"}


def test_compose_mounts_the_haproxy_files_it_names(compose):
    haproxy = compose["services"]["haproxy"]
    mounts = dict(v.removesuffix(":ro").split(":") for v in haproxy["volumes"])
    assert all((ROOT / host).is_file() for host in mounts)
    assert sorted(mounts) == ["./deploy/backend-compose.cfg", "./deploy/haproxy.cfg"]
    loaded = [haproxy["command"][i + 1] for i, a in enumerate(haproxy["command"]) if a == "-f"]
    assert loaded == [mounts["./deploy/haproxy.cfg"], mounts["./deploy/backend-compose.cfg"]]
    # The servers it looks up are the app service on the port the image listens on.
    assert re.search(
        r"server-template \S+ 1-8 app:8501 ", (DEPLOY / "backend-compose.cfg").read_text()
    )


def test_dockerfile_essentials(dockerfile):
    assert instructions(dockerfile, "FROM") == ["python:3.11-slim"]
    runs = instructions(dockerfile, "RUN")
    assert "pip install -r requirements.txt" in runs
    users = instructions(dockerfile, "USER")
    assert users == ["cnnviz"]  # not root
    assert dockerfile.index("USER cnnviz") > dockerfile.index("COPY . .")
    env = instructions(dockerfile, "ENV")[0]
    assert "STREAMLIT_SERVER_HEADLESS=true" in env
    assert "STREAMLIT_SERVER_PORT=8501" in env
    assert instructions(dockerfile, "EXPOSE") == ["8501"]
    (healthcheck,) = instructions(dockerfile, "HEALTHCHECK")
    assert "http://127.0.0.1:8501/_stcore/health" in healthcheck
    assert instructions(dockerfile, "CMD") == ['["python", "-m", "streamlit", "run", "app.py"]']


def test_requirements_are_pinned():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", p) for p in pins)


def test_dockerignore_keeps_what_the_app_reads():
    ignored = {
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {".git", "tests", "bench"} <= ignored
    assert not ignored & {
        "cnnviz",
        "app_pages",
        "assets",
        "app.py",
        ".streamlit",
        "requirements.txt",
    }


def test_backend_config_names_each_replica_and_its_cookie():
    assert backend_config([8511, 8512]) == (
        "backend cnnviz\n"
        "    server replica1 127.0.0.1:8511 cookie replica1\n"
        "    server replica2 127.0.0.1:8512 cookie replica2\n"
    )


def test_haproxy_config_keeps_sessions_and_websockets():
    text = HAPROXY_CFG.read_text()
    assert re.search(r"^\s+cookie CNNVIZ_REPLICA insert indirect nocache", text, re.M)
    assert re.search(r"^\s+timeout tunnel \d+h$", text, re.M)
    assert "http-check send meth GET uri /_stcore/health" in text
    assert 'bind "${CNNVIZ_STATS_BIND}"' in text


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
@pytest.mark.parametrize("backend", ["launcher", "compose"])
def test_haproxy_accepts_both_configurations(tmp_path, backend):
    path = DEPLOY / "backend-compose.cfg"
    if backend == "launcher":
        path = tmp_path / "backend.cfg"
        path.write_text(backend_config([8511, 8512, 8513]))
    env = {**os.environ, "CNNVIZ_BIND": "127.0.0.1:8501", "CNNVIZ_STATS_BIND": "127.0.0.1:8502"}
    check = subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY_CFG), "-f", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
