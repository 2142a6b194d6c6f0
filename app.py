"""cnnviz entry point: page config, language, and the navigation over ``cnnviz.ui.pages.PAGES``.

The pages live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/``
folder beside the entry script as a legacy multipage app, and a first visit
straight to a page's URL would then run that page without this script (no
language, no navigation).
"""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.language import language_selector
from cnnviz.ui.pages import navigation_pages
from cnnviz.ui.presenter import presenter_mode, presenter_navigation, refresh_presenter_link
from cnnviz.ui.url_state import link_notice_area
from cnnviz.ui.widget_text import widget_text

st.set_page_config(page_title="cnnviz", page_icon="🔎", layout="wide")
language_selector()
widget_text()  # Streamlit's own widget texts ("Press Enter to apply"...) in that language
presenter_mode()  # ?present=1: no sidebar, larger type, settings in a bar at the top
link_notice_area()  # above the page: what its link held that its widgets could not take

presenter_navigation(navigation_pages()).run()
refresh_presenter_link()  # the page has written its own parameters to the URL by now
