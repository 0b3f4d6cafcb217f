"""The HTTP API's request handlers and what they share: auth, limits, budgets, error shape, body reading."""
