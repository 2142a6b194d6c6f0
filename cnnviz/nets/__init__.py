"""Keras networks: TensorFlow is imported inside functions only, so importing stays light."""
