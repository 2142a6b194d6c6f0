"""Serving cnnviz to a class: HAProxy in front of several Streamlit replicas."""
