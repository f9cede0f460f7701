"""Reporting domain: how events read to a person. Standard library only."""
