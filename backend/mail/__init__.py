"""Email for rule R9: messages are written to the outbox with the change they tell of, then sent."""
