"""The adversarial-examples page in both languages: attacks, the challenge, transfer, bad links."""

import keras
import numpy as np
import pytest

from cnnviz.i18n import format_number, t
from cnnviz.nets import adversarial
from cnnviz.nets.adversarial import AttackSettings
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
from cnnviz.nets.model import load_trained_model
from tests.app.helpers import open_page

assert keras  # imported first, for Hypothesis and TensorFlow (see DESIGN)
PAGE = "app_pages/adversarial/page.py"
TIMEOUT = 300  # seconds a run may take: the first loads TensorFlow on two shared cores


@pytest.fixture(scope="module")
def digits():
    return load_trained_model(), load_mnist_subset()


def open_adv(lang: str = "en", **params: str):
    return open_page(PAGE, lang, timeout=TIMEOUT, **params)


def answer(probabilities: np.ndarray, name, lang: str) -> str:
    winner = int(np.argmax(probabilities))
    percent = format_number(100 * probabilities[winner], digits=1, lang=lang)
    return t("adv.answer", lang=lang, name=name(winner), probability=percent)


def headline(result, name, lang: str) -> str:
    before = answer(result.clean_probabilities, name, lang)
    after = answer(result.probabilities, name, lang)
    return "### " + t("adv.before_after", lang=lang, before=before, after=after)


def markdowns(at) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_fgsm_on_a_test_digit_says_before_and_after_as_the_core(lang, digits):
    model, _ = digits
    at = open_adv(lang, digit_index="0", adv_eps="0.1")
    image = at.session_state["digit_last"].digit
    result = adversarial.attack(model, image, AttackSettings("fgsm", 0.1))
    assert headline(result, str, lang) in markdowns(at)
    verdict = t("adv.changed" if result.changed else "adv.unchanged", lang=lang)
    assert verdict in [m.value for m in (*at.error, *at.success)]
    assert t(
        "adv.epsilon_caption",
        lang=lang,
        value=f"{format_number(0.1, lang=lang)} ({format_number(25.5, lang=lang)}/255)",
    ) in [c.value for c in at.caption]


def test_a_mistake_pushed_to_its_label_is_not_called_fooled(digits):
    # Most of the digits the network gets wrong flip to their true label at the smallest
    # ε: the page must say the network now answers right, not that it is fooled.
    from cnnviz.nets.model import predict_batch

    model, data = digits
    predicted = predict_batch(model, data.x_test).argmax(axis=1)
    for index in np.flatnonzero(predicted != data.y_test):
        image = data.x_test[index][..., None].astype(np.float32) / 255
        search = adversarial.smallest_epsilon(model, image, AttackSettings())
        if (
            search.smallest is not None
            and search.predictions[search.success][0] == data.y_test[index]
        ):
            break
    else:
        pytest.fail("no mistake of the bundled network flips to its label")
    at = open_adv("es", digit_index=str(index), adv_eps=repr(search.smallest))
    label = int(data.y_test[index])
    assert t("adv.changed_to_right", lang="es", label=label) in [i.value for i in at.info]
    assert not at.error


def test_targeted_pgd_follows_the_widgets(digits):
    model, _ = digits
    at = open_adv(
        "en",
        digit_index="3",
        adv_method="pgd",
        adv_eps="0.15",
        adv_steps="5",
        adv_targeted="true",
        adv_target="2",
    )
    assert not at.exception
    image = at.session_state["digit_last"].digit
    s = AttackSettings("pgd", 0.15, steps=5, alpha=0.25 * 0.15, target=2)
    result = adversarial.attack(model, image, s)
    assert headline(result, str, "en") in markdowns(at)
    assert at.slider(key="adv_steps").value == 5


def test_a_target_that_is_the_current_class_is_refused_in_spanish(digits):
    model, _ = digits
    at = open_adv("es", digit_index="0", adv_targeted="true")
    image = at.session_state["digit_last"].digit
    current = int(np.argmax(adversarial.probabilities(model, image[None, ..., None])[0]))
    at.selectbox(key="adv_target").set_value(str(current)).run()
    message = t("error.adv_target_is_current", lang="es", target=current)
    assert message in [e.value for e in at.error]


def test_the_challenge_answer_is_the_core_search_and_sets_the_slider(digits):
    model, _ = digits
    at = open_adv("en", digit_index="0")
    image = at.session_state["digit_last"].digit
    search = adversarial.smallest_epsilon(model, image, AttackSettings("fgsm", 0.05))
    assert search.smallest is not None
    assert not [b for b in at.button if b.key == "adv_apply_answer"]  # hidden until asked
    at.button(key="adv_show_answer").click().run()
    index = int(np.flatnonzero(search.grid == search.smallest)[0])
    value = f"{format_number(search.smallest, lang='en')} "
    value += f"({format_number(255 * search.smallest, digits=1, lang='en')}/255)"
    expected = t(
        "adv.challenge.answer",
        lang="en",
        kind=t("adv.challenge.untargeted", lang="en"),
        method="FGSM",
        value=value,
        name=str(search.predictions[index]),
    )
    assert expected in [s.value for s in at.success]
    at.button(key="adv_apply_answer").click().run()
    assert at.slider(key="adv_eps").value == pytest.approx(search.smallest)
    assert any("changed" in e.value for e in at.error)  # at that ε the prediction changes


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_colour_network_is_attacked_too(lang):
    model, data = load_cifar_model(), load_cifar_subset()
    at = open_adv(lang, network="colour", colour_index="4", adv_eps="0.02")
    image = at.session_state["colour_last"].digit
    assert image.shape == (32, 32, 3)
    result = adversarial.attack(model, image, AttackSettings("fgsm", 0.02))
    assert headline(result, lambda c: data.class_label(c, lang=lang), lang) in markdowns(at)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_without_a_session_network_the_transfer_section_says_where_to_train_one(lang):
    at = open_adv(lang)
    assert t("adv.transfer.none", lang=lang) in [i.value for i in at.info]
    assert not [b for b in at.button if b.key == "adv_transfer_run"]


def build_colour_model():
    from cnnviz.nets.cifar_model import build_cifar_model

    return build_cifar_model()


@pytest.mark.parametrize("kind", ["digits", "colour"])
def test_transfer_to_a_session_network_gives_the_core_rates(kind, digits):
    from cnnviz.nets.model import build_model

    if kind == "digits":
        (model, data), build, count = digits, build_model, 50
    else:
        model, data, build, count = load_cifar_model(), load_cifar_subset(), build_colour_model, 20
    keras.utils.set_random_seed(0)
    own = build()  # untrained: its own weights, the bundled network's input and classes
    at = open_adv("en", adv_eps="0.2", adv_batch=str(count))
    at.session_state["session_model"] = own
    at.session_state["session_model_name"] = "Run 1"
    at.run()
    at.button(key="adv_transfer_run").click().run()
    assert not at.exception, at.exception
    result = adversarial.transfer_attack(
        model, own, data.x_test[:count], data.y_test[:count], AttackSettings("fgsm", 0.2)
    )
    shown = {m.label: m.value for m in at.metric}

    def percent(value):
        return "—" if value is None else f"{format_number(100 * value, digits=1, lang='en')} %"

    assert shown[t("adv.transfer.white_box", lang="en")] == percent(result.white_box_rate)
    assert shown[t("adv.transfer.transfer", lang="en")] == percent(result.transfer_rate)


def test_a_session_network_with_other_classes_gets_a_translated_message():
    inputs = keras.Input((28, 28, 1))
    logits = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    own = keras.Model(inputs, keras.layers.Activation("softmax")(logits))
    at = open_adv("es", digit_index="0")
    at.session_state["session_model"] = own
    at.run()
    at.button(key="adv_transfer_run").click().run()
    assert not at.exception, at.exception
    message = t(
        "error.adv_transfer_shape",
        lang="es",
        source="(28, 28, 1)",
        target="(28, 28, 1)",
        source_classes=10,
        target_classes=3,
    )
    assert message in [e.value for e in at.error]


@pytest.mark.parametrize(
    ("params", "param", "received", "value"),
    [
        ({"adv_eps": "5"}, "adv_eps", "5", "0.3"),
        ({"adv_eps": "inf"}, "adv_eps", "inf", "0.05"),
        ({"adv_method": "pgd", "adv_steps": "abc"}, "adv_steps", "abc", "10"),
    ],
)
def test_bad_link_values_get_a_translated_warning_and_a_valid_value(params, param, received, value):
    at = open_adv("es", **params)
    warnings = " ".join(w.value for w in at.warning)
    assert f"`{param}`" in warnings and f"`{received}`" in warnings
    assert "Se usa" in warnings
    assert float(at.slider(key=param).value) == float(value)
