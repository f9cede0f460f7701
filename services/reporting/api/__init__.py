"""HTTP edge of the reporting service."""
