"""The training page's link to a run (``?run=<token>``): reattach, results, refused links."""

import threading
from dataclasses import replace

import keras  # noqa: F401  (imported first here, not inside a test: see the README)
import pytest

from app_pages.training import run as run_part
from cnnviz.content.gallery import course_mnist
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.limits import SLOTS
from cnnviz.nets.run_store import RUNS, start
from cnnviz.nets.training import Settings
from cnnviz.nets.training_data import Augmentation, prepare_data
from tests.app.helpers import open_page

PAGE = "app_pages/training/page.py"


def _texts(elements):
    return [e.value for e in elements]


def _train_once(lang="en"):
    at = open_page(PAGE, lang, train_epochs="1")
    at.number_input(key="train_samples").set_value(200).run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    return at


def test_a_link_to_a_finished_run_shows_its_results_in_a_new_session():
    first = _train_once()
    token = first.query_params["run"]
    token = token[0] if isinstance(token, list) else token
    trained = first.session_state["train_store"]["runs"][0]
    again = open_page(PAGE, "es", run=token)  # a reload: a new session, the same link
    assert not again.exception, again.exception
    runs = again.session_state["train_store"]["runs"]
    assert len(runs) == 1 and runs[0].number == 1
    assert runs[0].model is trained.model and runs[0].result is trained.result
    assert "Resultados del entrenamiento de este enlace (entrenamiento 1 en esta pestaña)." in (
        _texts(again.info)
    )
    assert "Terminado: 1 de 1 épocas." in _texts(again.success)
    again.run()  # a rerun does not take it in twice
    assert len(again.session_state["train_store"]["runs"]) == 1


@pytest.mark.parametrize(
    ("lang", "token", "expected"),
    [
        ("en", "../../etc/passwd", 'The training in this link, "../../etc/passwd", is not a valid'),
        ("es", "x" * 500, "El entrenamiento de este enlace, «" + "x" * 30 + "…», no es un"),
        ("en", "A" * 22, "is no longer on the server: a run is kept 60 minutes after it ends"),
        ("es", "A" * 22, "ya no está en el servidor: cada entrenamiento se guarda 60 minutos"),
    ],
)
def test_a_bad_or_expired_link_says_so_and_opens_the_normal_page(lang, token, expected):
    at = open_page(PAGE, lang, run=token)
    assert not at.exception, at.exception
    assert any(expected in text for text in _texts(at.warning)), _texts(at.warning)
    assert "run" not in at.query_params  # a reload does not say it again
    assert at.button(key="train_start") is not None and not at.button(key="train_start").disabled
    assert at.session_state["train_store"]["runs"] == []


def test_a_link_to_a_running_run_reattaches_and_waits_for_its_end():
    finished = _train_once().session_state["train_store"]["runs"][0]
    release = threading.Event()

    def job(live):
        live.phase = "running"
        release.wait(30)
        return replace(finished, number=0)

    live = start(RUNS, job)
    threading.Timer(1.0, release.set).start()  # the page watches until then
    at = open_page(PAGE, "en", run=live.token)
    assert not at.exception, at.exception
    assert "Back to your training: it kept running on the server" in " ".join(_texts(at.info))
    store = at.session_state["train_store"]
    assert store["active"] is None and [r.number for r in store["runs"]] == [1]
    assert store["tokens"] == {live.token: 1}


@pytest.fixture(scope="module")
def plan():
    data = prepare_data(load_mnist_subset(), samples=200, validation_split=0.2)
    return run_part.Plan(
        spec=course_mnist(),
        data=data,
        settings=Settings(epochs=2),
        augmentation=Augmentation(),
        summary=None,
        source="MNIST",
        class_labels=tuple(str(i) for i in range(10)),
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_stop_while_queued_keeps_a_stopped_run_in_the_results(plan, lang):
    live = RUNS.add()
    with SLOTS.hold(), SLOTS.hold():  # every slot busy: the run waits its turn
        live.stop.set()  # Stop pressed before the first progress
        done = run_part.training_job(plan)(live)
    assert live.waiting == SLOTS.capacity
    assert done.result.reason == "stopped" and done.result.epochs_done == 0
    assert len(done.result.history) == 0 and done.settings.epochs == 2
    assert done.result.confusion.sum() == len(plan.data.x_test)
    RUNS.finish(live, run=done)
    at = open_page(PAGE, lang, run=live.token)
    assert not at.exception, at.exception
    expected = {
        "en": "Stopped before the first batch of 2 epochs: the network has not learned anything",
        "es": "Detenido antes del primer lote de las 2 épocas: la red todavía no aprendió nada",
    }[lang]
    assert any(text.startswith(expected) for text in _texts(at.warning)), _texts(at.warning)
    assert [r.result.reason for r in at.session_state["train_store"]["runs"]] == ["stopped"]
