"""GraphQL surface of the personal calendar feed."""
