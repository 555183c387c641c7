"""Evaluation of classifiers: metrics, calibration, confidence intervals and comparisons."""
