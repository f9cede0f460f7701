"""Assessment service: engagements and the needs assessment (write side)."""
