"""Metrics (Prometheus) and health of every process: what an operator watches."""
