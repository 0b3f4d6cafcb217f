"""ETA from the recent rate, and settings from the environment."""

import pytest

from chemaudit.progress import estimate_eta
from chemaudit.settings import Settings


def test_eta_uses_the_recent_window_not_the_whole_run():
    # 1000 done; 500 of them in the last 5 s -> 100/s; 1000 left -> 10 s.
    eta = estimate_eta(1000, 2000, anchor_processed=500, anchor_age=5.0, running_for=100.0)
    assert eta == 10


def test_eta_falls_back_to_the_whole_run_and_is_zero_when_done():
    assert estimate_eta(100, 300, anchor_processed=None, anchor_age=None, running_for=10.0) == 20
    assert estimate_eta(300, 300, anchor_processed=0, anchor_age=3.0, running_for=3.0) == 0
    assert estimate_eta(0, 300, anchor_processed=None, anchor_age=None, running_for=0.0) == 0


def test_settings_read_prefixed_variables_with_types():
    settings = Settings.from_env({"CHEMAUDIT_PORT": "9000", "CHEMAUDIT_LOG_JSON": "yes",
                                  "CHEMAUDIT_COMMIT_INTERVAL": "0.5", "OTHER": "x"})
    assert settings.port == 9000 and settings.log_json is True and settings.commit_interval == 0.5
    with pytest.raises(ValueError):
        Settings.from_env({"CHEMAUDIT_LOG_JSON": "maybe"})


def test_database_url_is_normalised_for_the_drivers():
    settings = Settings(database_url="postgresql+psycopg://u@h/db", database_tcp_timeout=0)
    assert settings.sync_database_url == "postgresql://u@h/db"
