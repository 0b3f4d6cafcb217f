"""`chemaudit subset ...`: its arguments, the index lists it accepts and the table it prints."""

from __future__ import annotations

import argparse

import pytest

from chemaudit_client import add_client_commands
from chemaudit_client.commands import upload_fields
from chemaudit_client.subset_commands import parse_indices, score_table


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="chemaudit")
    add_client_commands(root.add_subparsers(dest="command", required=True))
    return root


def test_index_lists_take_commas_and_ranges():
    assert parse_indices("0,4,10-13") == [0, 4, 10, 11, 12, 13]
    assert parse_indices(" 7 , 7,") == [7, 7]  # the server counts a repeat once
    for bad in ("", "a", "3-1", "-2", "1-x", ",,"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_indices(bad)


def test_the_actions_and_their_options():
    args = parser().parse_args(["subset", "revalidate", "job", "--indices", "1-3", "--watch"])
    assert (args.subset_action, args.job_id, args.indices, args.watch) == ("revalidate", "job", [1, 2, 3], True)
    assert callable(args.func)
    args = parser().parse_args(["subset", "rescore", "job", "--indices", "5", "--profile", "4"])
    assert (args.profile_id, args.watch) == (4, False)
    args = parser().parse_args(["subset", "score-inline", "job", "--indices", "5", "--profile", "4", "--json"])
    assert args.json is True
    for argv in (["subset", "score-inline", "job", "--indices", "5"],  # the profile is required
                 ["subset", "revalidate", "job"], ["subset", "revalidate", "job", "--indices", "x"]):
        with pytest.raises(SystemExit):
            parser().parse_args(argv)


def test_submit_sends_the_profile_field():
    assert upload_fields(parser().parse_args(["submit", "f.sdf", "--profile", "3"])) == {"profile_id": "3"}


def test_the_score_table_shows_each_molecule_and_what_is_missing():
    text = score_table({"profile_name": "Lead-like", "profile_id": 2, "not_found": [9],
                        "molecules": [{"index": 0, "name": "aspirin", "profile": {"score": 97.3}},
                                      {"index": 4, "name": "bad", "profile": {"score": None}}]})
    assert text.splitlines() == ["Profile Lead-like (id 2)", "  index   score  name",
                                 "      0    97.3  aspirin", "      4       -  bad", "Not audited yet: 9"]
