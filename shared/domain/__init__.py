"""Building blocks for domain code: standard library only, no infrastructure."""
