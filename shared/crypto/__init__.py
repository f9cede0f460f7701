"""Encryption at rest for what a read of the database alone must not reveal."""
