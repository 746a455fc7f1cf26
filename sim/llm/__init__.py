"""The LM edge: one small protocol, backends behind it, and wrappers that each add one thing."""
