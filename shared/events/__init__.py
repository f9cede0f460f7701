"""Event envelope (CloudEvents 1.0 + hash chain) and the event-type catalogue."""
