"""Database layer: the schema (SQLAlchemy tables) and every named query."""
