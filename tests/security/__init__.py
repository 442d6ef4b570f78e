"""Regression tests of the hardening findings: each failed before its fix."""
