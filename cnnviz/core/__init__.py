"""The maths: NumPy and SciPy only (no Streamlit, Plotly or TensorFlow)."""
