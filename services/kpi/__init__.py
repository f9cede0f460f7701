"""KPI service: KPI alignment, results management, coaching sessions (write side)."""
