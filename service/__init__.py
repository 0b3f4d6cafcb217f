"""The web side: aiohttp HTTP API, WebSocket progress, and the `chemaudit` command line."""
