"""Generative-agents social simulation engine."""

__version__ = "0.1.0"
