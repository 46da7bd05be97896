import json


async def test_probe(graphql, db):
    deep = json.dumps(
        {
            "query": "query($f: SessionFilter){ sessions(filter:$f){ totalCount } }",
            "variables": {"f": json.loads("[" * 900 + "]" * 900)},
        }
    )
    deeper = '{"query": "{ __typename }", "variables": {"f": ' + "[" * 5000 + "]" * 5000 + "}}"
    for body in [
        "[]",
        "1",
        '"x"',
        "null",
        '[{"query":"{ __typename }"}]',
        deeper,
        deep,
        '{"query": "{ __typename }", "variables": []}',
        '{"query": 1}',
    ]:
        r = await graphql.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        print("\nCASE", body[:40], r.status_code, r.text[:200])
    r = await graphql.http.get("/graphql", params={"query": "{ __typename }", "variables": "[" * 5000 + "]" * 5000})
    print("\nCASE GET", r.status_code, r.text[:200])
