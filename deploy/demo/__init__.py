"""Seed a demonstration engagement into a running Mastery Ledger."""
