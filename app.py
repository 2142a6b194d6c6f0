"""cnnviz entry point: page config, language, and the navigation over ``pages/``."""

import streamlit as st

from cnnviz.i18n import t
from cnnviz.ui.language import language_selector

st.set_page_config(page_title="cnnviz", page_icon="🔎", layout="wide")
language_selector()

pages = {
    t("nav.section.start"): [
        st.Page("pages/home.py", title=t("home.title"), icon="🏠", url_path="home", default=True),
    ],
}
st.navigation(pages).run()
