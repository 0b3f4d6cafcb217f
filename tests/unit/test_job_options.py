"""One list of job option flags (chemaudit/job_options.py), and every place that offers them reads it."""

from __future__ import annotations

import dataclasses
import re

from chemaudit.chemistry.options import AuditOptions
from chemaudit.flags import parse_flag
from chemaudit.job_options import OPTION_FLAGS, OPTION_NAMES, cli_attribute, stored_flags
from service.dashboard.routes import STATIC_DIR, index_page
from service.http.upload_form import FIELDS
from service.openapi.schemas import SCHEMAS
from service.ops.cli import build_parser

FLAG_NAMES = re.compile(r"include_\w+|score_parent")


def test_every_flag_is_an_audit_option_with_a_false_default():
    fields = {field.name: field for field in dataclasses.fields(AuditOptions)}
    for name in OPTION_NAMES:
        assert name in fields and fields[name].default is False, name
    assert len(set(OPTION_NAMES)) == len(OPTION_NAMES) and "score_parent" in OPTION_NAMES


def test_the_form_openapi_and_cli_offer_every_flag():
    for name in OPTION_NAMES:
        assert FIELDS[name].parse is parse_flag and FIELDS[name].default is False
        assert name in SCHEMAS["UploadForm"]["properties"] and name in SCHEMAS["ValidateRequest"]["properties"]
    parser = build_parser()
    for command in (["submit"], ["audit", "-o", "out.csv"]):
        args = parser.parse_args([*command, "x.smi", *(f"--{flag.cli}" for flag in OPTION_FLAGS)])
        assert all(getattr(args, cli_attribute(flag)) is True for flag in OPTION_FLAGS), command


def test_the_dashboard_form_has_a_checkbox_per_flag_and_lists_none_by_hand():
    page = index_page()
    boxes = re.findall(r'<input type="checkbox" name="(\w+)" data-option>', page)
    assert tuple(boxes) == OPTION_NAMES
    for name in ("index.html", "home.js"):
        assert not FLAG_NAMES.findall((STATIC_DIR / name).read_text()), f"{name} names a flag by hand"


def test_stored_options_give_every_flag():
    assert stored_flags({"include_chembl_alerts": True, "priority": "high"}) == {
        name: name == "include_chembl_alerts" for name in OPTION_NAMES}
