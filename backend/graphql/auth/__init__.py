"""GraphQL surface of sign-in and the viewer."""
