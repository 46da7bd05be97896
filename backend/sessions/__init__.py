"""The session domain: who sees which sessions, the list and its filters, and the session rules."""
