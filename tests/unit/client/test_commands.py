"""The client commands' arguments: what each becomes on the wire, and where the server comes from."""

from __future__ import annotations

import argparse

import pytest

from chemaudit import job_options
from chemaudit_client import DEFAULT_SERVER, add_client_commands
from chemaudit_client.api import ClientFailure
from chemaudit_client.commands import export_options, filter_params, read_indices, upload_fields
from service.http.upload import OPTION_FLAGS


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="chemaudit")
    add_client_commands(root.add_subparsers(dest="command", required=True))
    return root


def test_upload_flags_become_the_servers_form_fields():
    args = parser().parse_args(["submit", "f.csv", "--smiles-column", "smi", "--name-column", "id",
                                *(f"--{flag.cli}" for flag in job_options.OPTION_FLAGS), "--watch"])
    fields = upload_fields(args)
    assert fields == {"smiles_column": "smi", "name_column": "id", **{flag: "true" for flag in OPTION_FLAGS}}
    assert upload_fields(parser().parse_args(["submit", "f.sdf"])) == {}
    assert upload_fields(parser().parse_args(["submit", "f.sdf", "--no-reuse"])) == {"reuse": "false"}


def test_filters_are_sent_only_when_given():
    args = parser().parse_args(["results", "j", "--status-filter", "error", "--min-score", "10",
                                "--sort-by", "score", "--sort-dir", "desc"])
    assert filter_params(args) == {"status_filter": "error", "min_score": "10", "sort_by": "score",
                                   "sort_dir": "desc"}
    assert filter_params(parser().parse_args(["export", "j"])) == {}


def test_export_options_and_indices(tmp_path):
    args = parser().parse_args(["export", "j", "--format", "excel", "--include-images", "--sheet-layout", "multi"])
    assert export_options(args) == {"include_images": "true", "sheet_layout": "multi"}
    assert export_options(parser().parse_args(["export", "j", "--format", "pdf"])) == {}
    assert read_indices("0, 5,7") == [0, 5, 7] and read_indices(None) is None
    (tmp_path / "picked.txt").write_text("3\n1\n\n4\n")
    assert read_indices(f"@{tmp_path / 'picked.txt'}") == [3, 1, 4]
    for bad in ("1,x", "-1", ",", f"@{tmp_path / 'missing.txt'}"):
        with pytest.raises(ClientFailure):
            read_indices(bad)


def test_server_and_key_come_from_flags_else_the_environment(monkeypatch):
    monkeypatch.delenv("CHEMAUDIT_SERVER", raising=False)
    monkeypatch.delenv("CHEMAUDIT_API_KEY", raising=False)
    args = parser().parse_args(["status", "j"])
    assert args.server == DEFAULT_SERVER == "http://localhost:8001" and args.api_key is None
    monkeypatch.setenv("CHEMAUDIT_SERVER", "http://audit:9000")
    monkeypatch.setenv("CHEMAUDIT_API_KEY", "k1")
    args = parser().parse_args(["cancel", "j"])
    assert (args.server, args.api_key) == ("http://audit:9000", "k1")
    assert parser().parse_args(["watch", "j", "--server", "http://x"]).server == "http://x"


def test_every_command_is_there():
    root = parser()
    for argv in (["submit", "f"], ["watch", "j"], ["status", "j"], ["results", "j"], ["export", "j"],
                 ["cancel", "j"], ["audit", "f", "-o", "o.csv"]):
        assert callable(root.parse_args(argv).func)
