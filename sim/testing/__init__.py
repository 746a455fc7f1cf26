"""Tools for testing worlds and the engine: conformance checks any world can be put through."""

from sim.testing.checks import ConformanceError, Report, check_world

__all__ = ["ConformanceError", "Report", "check_world"]
