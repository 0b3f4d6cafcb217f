"""The OpenAPI 3.1 document of the service, its parts, and the routes that serve it and its reference page."""
