"""The web side: the app factory, HTTP handlers (http/), live progress (progress/), the OpenAPI document
(openapi/), the dashboard (dashboard/) and the server commands (ops/)."""
