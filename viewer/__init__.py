"""The pygame viewer: replays (or follows) a run database written by `sim run`.

It reads only the recorded run, never imports the engine or an LM, and never writes to the
file. pygame is imported inside the functions that draw, so the replay model
(`viewer.timeline`, `viewer.source`, `viewer.inspector`'s data) works without a display.
"""
