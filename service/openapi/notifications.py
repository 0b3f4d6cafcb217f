"""The OpenAPI shapes of notifications: the upload's fields and GET /batch/{job_id}/notifications."""

from __future__ import annotations

_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}

UPLOAD_FIELDS = {
    "webhook_url": {"type": "string", "maxLength": 1024,
                    "description": "http(s) URL posted (signed X-Signature: sha256=<HMAC of the body>) when the "
                                   "job ends. Public addresses only, unless the operator allows a network; no "
                                   "user:password in it."},
    "webhook_secret": {"type": "string", "minLength": 16, "maxLength": 1024,
                       "description": "This job's key for the signature; default the service's."},
    "notification_email": {"type": "string", "format": "email", "maxLength": 254,
                           "description": "One address emailed when the job ends (ChemAudit's field)."},
}

_ATTEMPT = {"type": "object", "required": ["attempt", "started_at", "finished_at", "status_code", "error"],
            "properties": {
                "attempt": {"type": "integer", "minimum": 1},
                "started_at": {"type": "string"},
                "finished_at": {"type": ["string", "null"],
                                "description": "null: the sender stopped during this try; it is tried again."},
                "status_code": {"type": ["integer", "null"], "description": "HTTP status or SMTP reply code."},
                "error": {"type": ["string", "null"]},
            }}

_DELIVERY = {"type": "object",
             "required": ["channel", "target", "source", "status", "attempts", "history"],
             "properties": {
                 "channel": {"type": "string", "enum": ["webhook", "email"]},
                 "target": {"type": ["string", "null"], "description": "null for the service's own targets."},
                 "source": {"type": "string", "enum": ["upload", "service"]},
                 "delivery_id": {"type": ["integer", "null"], "description": "Sent as X-ChemAudit-Delivery."},
                 "transition": {"type": ["string", "null"], "enum": ["complete", "failed", "cancelled", None]},
                 "status": {"type": "string", "enum": ["waiting", "pending", "delivered", "failed"],
                            "description": "waiting: the job has not ended yet."},
                 "attempts": {"type": "integer", "minimum": 0},
                 "next_attempt_at": _TIME_OR_NULL,
                 "delivered_at": _TIME_OR_NULL,
                 "last_error": {"type": ["string", "null"]},
                 "history": {"type": "array", "items": _ATTEMPT},
             }}

NOTIFICATIONS = {"type": "object", "required": ["job_id", "status", "notifications"],
                 "properties": {"job_id": {"type": "string", "format": "uuid"},
                                "status": {"type": "string"},
                                "notifications": {"type": "array", "items": _DELIVERY}}}
