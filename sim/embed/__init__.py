"""The embedding edge: a protocol, sentence-transformers, a deterministic fake and a cache."""
