"""GraphQL surface of the organisation's people: the pickers of the session forms."""
