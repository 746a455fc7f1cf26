"""Every prompt the engine sends: one module per purpose, each a template plus a typed output."""
