"""Dramatiq workers: they claim chunks, audit their molecules and write results to PostgreSQL."""
