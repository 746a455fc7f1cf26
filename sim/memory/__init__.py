"""Memory: an append-only stream per agent and the retrieval maths over it."""
