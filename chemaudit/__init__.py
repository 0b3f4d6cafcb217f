"""ChemAudit shared package: settings, errors, schema, queries, ingestion and chemistry.

Both the web side (`service`) and the workers (`tasks`) import from here; this package imports
neither of them.
"""
