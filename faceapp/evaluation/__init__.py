"""Evaluation tools (pairs, open-set identification, metrics, presentation-attack rendering).
Only the CLI's evaluation commands, build/ and the tests import this package."""
