"""Errors a user can see: each carries an HTTP status, a stable code and a human sentence."""

from __future__ import annotations

from typing import Self


class ChemAuditError(Exception):
    """Base class; rendered as {"error": code, "detail": detail} with `status`."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = {}

    def with_header(self, name: str, value: str) -> Self:
        self.headers = {**getattr(self, "headers", {}), name: value}
        return self


class BadInput(ChemAuditError):
    status = 400
    code = "bad_input"


class Unauthorized(ChemAuditError):
    status = 401
    code = "unauthorized"


class NotFound(ChemAuditError):
    status = 404
    code = "not_found"


class TimedOut(ChemAuditError):
    status = 408
    code = "timed_out"


class TooLarge(ChemAuditError):
    status = 413
    code = "too_large"


class UnsupportedFormat(ChemAuditError):
    status = 415
    code = "unsupported_format"


class InvalidOption(ChemAuditError):
    status = 422
    code = "invalid_option"


class RateLimited(ChemAuditError):
    status = 429
    code = "rate_limited"


class Unavailable(ChemAuditError):
    status = 503
    code = "unavailable"
