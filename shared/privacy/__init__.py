"""Personal data protected per data subject by crypto-shredding (README, Privacy)."""
