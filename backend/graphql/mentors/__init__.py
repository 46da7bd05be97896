"""GraphQL surface of the Mentor Profile page."""
