"""Projections: idempotent consumers turning events into read-model documents."""
