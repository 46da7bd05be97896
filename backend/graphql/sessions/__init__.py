"""GraphQL surface of sessions: types, queries and mutations."""
