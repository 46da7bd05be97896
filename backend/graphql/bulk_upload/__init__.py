"""GraphQL surface of the bulk upload: the upload mutation, its history and its row results."""
