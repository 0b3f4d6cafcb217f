"""GET /api/v1/config: the service's name, version and limits, in ChemAudit's ConfigResponse shape.

ChemAudit's `limits` (max_batch_size, max_file_size_mb, max_file_size_bytes) come first; the other
limits a client may want to respect before it sends anything follow them.
"""

from __future__ import annotations

import functools
from importlib import metadata

from aiohttp import web

from chemaudit.export import FORMATS
from service.http.detect_columns import DETECT_BYTES
from service.http.results_api import MAX_PAGE_SIZE
from service.http.subsets import INLINE_MAX, SUBSET_MAX
from service.keys import SETTINGS

APP_NAME = "ChemAudit"
MIB = 1024 * 1024


@functools.cache
def app_version() -> str:
    try:
        return metadata.version("chemaudit")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


async def get_config(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return web.json_response({
        "app_name": APP_NAME,
        "app_version": app_version(),
        # ChemAudit names a sizing preset (small ... coconut); here every limit is its own setting.
        "deployment_profile": "custom",
        "limits": {
            "max_batch_size": settings.max_molecules,
            "max_file_size_mb": settings.max_upload_bytes // MIB,
            "max_file_size_bytes": settings.max_upload_bytes,
            "max_decompressed_bytes": settings.max_decompressed_bytes,
            "max_record_bytes": settings.max_record_bytes,
            "max_line_bytes": settings.max_line_bytes,
            "max_page_size": MAX_PAGE_SIZE,
            "max_subset_indices": SUBSET_MAX,
            "max_score_inline_indices": INLINE_MAX,
            "detect_columns_bytes": DETECT_BYTES,
            "uploads_per_minute": settings.upload_rate_per_minute,
            "validations_per_minute": settings.validate_rate_per_minute,
        },
        "api_version": "v1",
        "export_formats": list(FORMATS),
        "api_keys_required": settings.api_key_hashes is not None,
    })
