"""The only Streamlit code inside cnnviz: shared widgets and cached wrappers of the core."""
