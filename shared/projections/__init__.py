"""Read models more than one service keeps from the same events."""
