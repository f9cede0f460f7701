"""Reporting service: read models built from the Kafka topics alone (read side)."""
