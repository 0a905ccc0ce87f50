"""Confab's test suite."""
