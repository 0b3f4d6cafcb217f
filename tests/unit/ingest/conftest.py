"""Fixtures for the upload splitter tests."""

from __future__ import annotations

import pytest
from ingest_helpers import load_corpus_generator


@pytest.fixture(scope="session")
def corpus_generator():
    return load_corpus_generator()
