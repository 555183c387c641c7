"""Classifiers from labeled snapshots: the TF-IDF baseline and fine-tuned encoders."""
