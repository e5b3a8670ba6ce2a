"""Grading: one submission from notebook to scored, diagnosed, worded result, and a class of them."""
