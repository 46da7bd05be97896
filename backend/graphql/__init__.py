"""The GraphQL API: it only translates — parse input, call the domain, shape the payload."""
