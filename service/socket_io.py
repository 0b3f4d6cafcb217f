"""What every progress socket shares: sending a message, ignoring client text, closing."""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from service.metrics_registry import observe_sent

log = logging.getLogger("chemaudit.ws")

CLOSE_TIMEOUT = 2.0


async def send_message(ws: web.WebSocketResponse, message: dict) -> None:
    """Send a progress message without the node-internal fields (those start with `_`).

    The hub hands the same dict to every socket of a job, so the text is made once and kept on it.
    """
    text = message.get("_text")
    if text is None:
        text = json.dumps({k: v for k, v in message.items() if not k.startswith("_")})
        message["_text"] = text
    await ws.send_str(text)
    observe_sent(message)


async def read_until_closed(ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.BINARY:
            await close_socket(ws, WSCloseCode.UNSUPPORTED_DATA, b"text frames only")
            return
        # TEXT ("ping" or anything else) is deliberately ignored: no answer is ever sent.


async def close_socket(ws: web.WebSocketResponse, code: int, reason: bytes) -> None:
    try:
        await asyncio.wait_for(ws.close(code=code, message=reason), CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        log.info("socket did not acknowledge close in time; dropping it")
