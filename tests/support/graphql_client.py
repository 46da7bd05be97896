"""A small GraphQL client over the real app, for tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factories import PASSWORD


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token: str | None = None

    async def login(self, email: str, password: str = PASSWORD) -> GraphQLClient:
        result = await self.execute(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token errors { message } } }",
            {"e": email, "p": password},
        )
        assert result["login"]["errors"] == [], result
        self.token = result["login"]["token"]
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def post(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def execute(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """The data of a request that must succeed."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(self, query: str, variables: dict | None = None) -> list[str]:
        """The error messages of a request that must fail."""
        body = await self.post(query, variables)
        assert body.get("errors"), body
        return [e["message"] for e in body["errors"]]


async def client_for(http: httpx.AsyncClient, user) -> GraphQLClient:
    """A client signed in as `user` with a bearer token (the cookie the sign-in set is dropped, so the next
    sign-in on the same HTTP client is another person)."""
    client = await GraphQLClient(http).login(user.email)
    http.cookies.clear()
    return client
