"""Load test: simulated students speaking Streamlit's websocket protocol (python -m bench.load)."""
