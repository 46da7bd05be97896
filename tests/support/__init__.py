"""What tests share: factories of rows, a GraphQL client, requests that change sessions, bulk upload files."""
