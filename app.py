"""cnnviz entry point: page config, language, and the navigation over ``app_pages/``.

The pages live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/``
folder beside the entry script as a legacy multipage app, and a first visit
straight to a page's URL would then run that page without this script (no
language, no navigation).
"""

import streamlit as st

from cnnviz.i18n import t
from cnnviz.ui.language import language_selector
from cnnviz.ui.presenter import presenter_mode, presenter_navigation, refresh_presenter_link

st.set_page_config(page_title="cnnviz", page_icon="🔎", layout="wide")
language_selector()
presenter_mode()  # ?present=1: no sidebar, larger type, settings in a bar at the top

# Material icons, not emoji: a classroom PC or a fresh Linux may have no emoji font.
pages = {
    t("nav.section.start"): [
        st.Page(
            "app_pages/home.py", title=t("home.nav"), icon=":material/home:", url_path="home",
            default=True,
        ),
    ],
    t("nav.section.operations"): [
        st.Page(
            "app_pages/convolution.py", title=t("conv.nav"), icon=":material/grid_on:",
            url_path="convolution",
        ),
        st.Page(
            "app_pages/pooling.py", title=t("pool.nav"), icon=":material/compress:",
            url_path="pooling",
        ),
        st.Page(
            "app_pages/signals.py", title=t("signal.nav"), icon=":material/show_chart:",
            url_path="signals",
        ),
    ],
    t("nav.section.networks"): [
        st.Page(
            "app_pages/architectures.py", title=t("arch.nav"), icon=":material/account_tree:",
            url_path="architectures",
        ),
        st.Page(
            "app_pages/trained_network.py", title=t("net.nav"), icon=":material/neurology:",
            url_path="trained-network",
        ),
        st.Page(
            "app_pages/saliency.py", title=t("saliency.page.nav"), icon=":material/visibility:",
            url_path="saliency",
        ),
        st.Page(
            "app_pages/training.py", title=t("train.nav"), icon=":material/model_training:",
            url_path="training",
        ),
    ],
}
presenter_navigation(pages).run()
refresh_presenter_link()  # the page has written its own parameters to the URL by now
