"""Experiments: designs, outcomes, statistics and reports."""
