"""The `sim` command line: run, inspect and interview."""
