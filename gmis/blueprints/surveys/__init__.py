"""Answering surveys (調査への回答) and reading and reviewing responses."""
