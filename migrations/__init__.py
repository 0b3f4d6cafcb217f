"""Alembic migrations (packaged so `chemaudit migrate` works from an installed wheel)."""
