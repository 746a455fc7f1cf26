"""Cognition: pure decision steps (plan, react, reflect, converse) driven through the LM."""
