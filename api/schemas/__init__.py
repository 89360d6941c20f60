"""The API's request and response schemas, one module per domain: the routes, the `kb` command
(`--json` prints the same documents) and the OpenAPI document all use these."""
