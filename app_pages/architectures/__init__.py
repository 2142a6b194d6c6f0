"""The shapes and architectures page: one layer worked out, a stack's summary, the classics, a quiz.

Streamlit runs :mod:`page` as a script; each view is a module of its own
(:mod:`calculator`, :mod:`builder`, :mod:`gallery`, :mod:`quiz`) and
:mod:`shared` holds what several views show. Never imports TensorFlow: every
number comes from :mod:`cnnviz.core`, which follows Keras without building the
model.
"""
