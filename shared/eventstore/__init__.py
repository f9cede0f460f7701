"""Event store port, its adapters, and the repository that loads and saves aggregates."""
