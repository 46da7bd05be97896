"""Bulk upload: a CSV file of Create, Edit and Delete rows, checked and applied by the session rules."""
