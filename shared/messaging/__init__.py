"""Kafka plumbing: topics, the outbox relay and the consumer runner."""
