"""KPI domain: aggregates, events and decisions. Standard library only."""
