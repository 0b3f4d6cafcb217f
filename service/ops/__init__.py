"""Running the service: the server commands, worker supervision, logging, metrics, embedded PostgreSQL, retention."""
