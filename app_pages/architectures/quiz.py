"""The quiz view: predict, then check; a question, an answer, the worked formula, a score.

The questions come from a seed kept in the URL (``?quiz_seed=``), so a teacher
can share a link that asks everyone the same questions.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from cnnviz.content import quiz
from cnnviz.figures import conv as conv_figures
from cnnviz.i18n import InputError, get_language, labels, t
from cnnviz.ui import kit
from cnnviz.ui.url_state import url_choice, url_number

QUIZ_KINDS = ("mixed", *quiz.QUESTION_KINDS)
QUIZ_SEED = "quiz_seed"
QUIZ_RESULTS = "quiz_results"
QUIZ_GIVEN = "quiz_given"


def quiz_seed() -> int:
    """Return the quiz's seed: the link's, else a new one; always written back to the URL."""
    if QUIZ_SEED not in st.session_state:
        linked = quiz.read_seed(st.query_params.get(QUIZ_SEED))
        st.session_state[QUIZ_SEED] = quiz.new_seed() if linked is None else linked
    seed = st.session_state[QUIZ_SEED]
    st.query_params[QUIZ_SEED] = str(seed)
    return seed


def on_next() -> None:
    """Go to the next question."""
    st.session_state["quiz_q"] = int(st.session_state.get("quiz_q", 1)) + 1


def on_new_quiz() -> None:
    """Start a new quiz: a new seed, question 1, a fresh score."""
    st.session_state[QUIZ_SEED] = quiz.new_seed()
    st.session_state["quiz_q"] = 1
    st.session_state[QUIZ_RESULTS] = {}
    st.session_state[QUIZ_GIVEN] = {}


def on_answer(qid: str, question: quiz.Question) -> None:
    """Read the answer; the first readable answer to a question counts for the score."""
    text = st.session_state.get(f"quiz_answer_{qid}", "")
    st.session_state[QUIZ_GIVEN][qid] = text
    try:
        feedback = quiz.check_answer(question, text)
    except InputError:
        return  # shown as a warning below, not counted
    st.session_state[QUIZ_RESULTS].setdefault(qid, feedback.correct)


@st.cache_resource(max_entries=64, show_spinner=False)
def quiz_matrix(matrix: tuple[tuple[int, ...], ...], title: str, lang: str):
    """Draw a small integer matrix with its numbers, rows and columns from 0."""
    array = np.array(matrix, dtype=np.float64)
    return conv_figures.heatmap(
        array,
        title=title,
        clickable=False,
        colorbar=False,
        show_values=True,
        digits=0,
        height=60 * array.shape[0] + 90,
        lang=lang,
    )


def question_header(results: dict[str, bool]) -> tuple[str, int]:
    """Show the kind of question, its number and the score; return the kind and the number."""
    kind = url_choice(
        st.segmented_control,
        t("quiz.kind"),
        QUIZ_KINDS,
        key="quiz_kind",
        format_func=labels("quiz.kind.{}"),
    )
    top = st.columns([2, 2, 3], vertical_alignment="bottom")
    number = int(
        # No default value: "next question" sets it through the session state (1 is the minimum).
        url_number(top[0].number_input, t("quiz.number_input"), 1, 999, key="quiz_q")
    )
    correct = sum(results.values())
    top[1].metric(t("quiz.score"), f"{correct} / {len(results)}", help=t("quiz.score_help"))
    return kind, number


def answer_form(qid: str, question: quiz.Question) -> None:
    """Show the answer box and its check button (a form: one run per answer, not per key)."""
    form_col, _ = st.columns([2, 3])
    with form_col, st.form("quiz_form", border=False):
        st.text_input(
            t(f"quiz.answer.{question.kind}"),
            key=f"quiz_answer_{qid}",
            placeholder=t(f"quiz.placeholder.{question.kind}"),
        )
        st.form_submit_button(
            t("quiz.check"),
            key="quiz_check",
            type="primary",
            on_click=on_answer,
            args=(qid, question),
        )


def feedback_for(question: quiz.Question, given: str) -> None:
    """Say whether an answer is right, with a hint for a classic slip and the worked formula."""
    try:
        feedback = quiz.check_answer(question, given)
    except InputError as err:
        st.warning(str(err))
        return
    if feedback.correct:
        st.success(t("quiz.right", expected=feedback.expected), icon=":material/check:")
    else:
        st.error(
            t("quiz.wrong", answer=feedback.answer, expected=feedback.expected),
            icon=":material/close:",
        )
        if feedback.hint:
            st.info(feedback.hint, icon=":material/lightbulb:")
    st.markdown(f"**{t('quiz.worked')}**")
    st.code("\n".join(feedback.formula), language=None, wrap_lines=True)


def share_link(seed: int) -> None:
    """Show the link that asks the same questions: language, seed and kind, nothing else."""
    share = {
        k: st.query_params[k] for k in ("lang", QUIZ_SEED, "quiz_kind") if k in st.query_params
    }
    base = (st.context.url or "").split("?")[0]
    st.markdown(f"**{t('quiz.share')}**")
    st.code(f"{base}?{urlencode(share)}", language=None)
    st.caption(t("quiz.share_help", seed=str(seed)))  # as the link writes it: no grouping


def show() -> None:
    """Predict, then check: a question, an answer, the worked formula, a score."""
    st.markdown(t("quiz.intro"))
    seed = quiz_seed()
    st.session_state.setdefault(QUIZ_RESULTS, {})
    st.session_state.setdefault(QUIZ_GIVEN, {})
    kind, number = question_header(st.session_state[QUIZ_RESULTS])
    question = quiz.make_question(seed, number - 1, None if kind == "mixed" else kind)
    qid = f"{seed}-{number}-{kind}"
    st.subheader(t("quiz.question", number=number))
    st.markdown(question.text())
    if question.kind == "cell":
        left, right, _ = st.columns([3, 2, 2])
        lang = get_language()
        kit.chart(quiz_matrix(question.image, t("quiz.input"), lang), key="quiz_image", where=left)
        kit.chart(
            quiz_matrix(question.kernel, t("quiz.kernel"), lang), key="quiz_kernel", where=right
        )
    answer_form(qid, question)
    given = st.session_state[QUIZ_GIVEN].get(qid)
    if given is not None:
        feedback_for(question, given)
    with st.container(horizontal=True):  # each button as wide as its label, side by side
        st.button(
            t("quiz.next"), key="quiz_next", on_click=on_next, icon=":material/arrow_forward:"
        )
        st.button(t("quiz.new"), key="quiz_new", on_click=on_new_quiz, icon=":material/refresh:")
    share_link(seed)
