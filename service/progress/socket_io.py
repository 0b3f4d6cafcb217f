"""What every progress socket shares: sending a message, ignoring client text, closing.

The hub hands the same dict to every socket of a job, so a message's JSON and its WebSocket frame
are made once and kept on it (keys starting with `_` are node-internal and never sent).

`DirectSender` writes that ready-made frame straight to a socket's transport, from inside the
hub's fan-out: one `transport.write` per socket instead of a queue put, a task wake-up and
aiohttp's frame building. A server's text frame is a fixed header and the UTF-8 text (RFC 6455
section 5.2: FIN, opcode 1, no mask, no extension bits; an uncompressed message stays valid when
permessage-deflate was negotiated, RFC 7692 section 6). Only public objects are used (the
request's transport); frames are whole, so they never interleave with aiohttp's own frames.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct

from aiohttp import WSCloseCode, WSMsgType, web

from service.progress.close_pacer import close_pacer

log = logging.getLogger("chemaudit.ws")

CLOSE_TIMEOUT = 2.0
CLOSE_SENT = web.ResponseKey("chemaudit_close_sent", int)  # the code of our own close, once sent


def message_text(message: dict) -> bytes:
    """The UTF-8 JSON of a message without its node-internal fields, made once per message."""
    payload = message.get("_payload")
    if payload is None:
        payload = json.dumps({k: v for k, v in message.items() if not k.startswith("_")}).encode()
        message["_payload"] = payload
    return payload


def text_frame(payload: bytes) -> bytes:
    """An unmasked, final, uncompressed text frame (what a server sends) carrying `payload`."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


def message_frame(message: dict) -> bytes:
    frame = message.get("_frame")
    if frame is None:
        frame = message["_frame"] = text_frame(message_text(message))
    return frame


class DirectSender:
    """Writes a message's frame at once when that cannot wait: the socket is open and its
    transport has nothing buffered (so the write neither queues behind older data nor could
    pause the protocol). Returns False otherwise, and the hub queues the message instead."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport):
        self.ws = ws
        self.transport = transport

    def __call__(self, message: dict) -> bool:
        transport = self.transport
        if self.ws.closed or transport.is_closing() or transport.get_write_buffer_size():
            return False
        transport.write(message_frame(message))
        return True


async def send_message(ws: web.WebSocketResponse, message: dict) -> None:
    """Send a progress message through aiohttp's writer (which waits when the client is slow)."""
    await ws.send_frame(message_text(message), WSMsgType.TEXT)


async def read_until_closed(ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.BINARY:
            await close_socket(ws, WSCloseCode.UNSUPPORTED_DATA, b"text frames only")
            return
        # TEXT ("ping" or anything else) is deliberately ignored: no answer is ever sent.


async def close_socket(ws: web.WebSocketResponse, code: int, reason: bytes) -> None:
    """Close with `code`, in turn (service/progress/close_pacer.py); a peer that takes no more
    bytes for CLOSE_TIMEOUT is cut off (1006)."""
    await close_pacer().turn()
    if not ws.closed:
        ws[CLOSE_SENT] = code
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):  # unlike wait_for, no task per close
            await ws.close(code=code, message=reason)
    except TimeoutError:
        log.info("socket did not acknowledge close in time; dropping it")


def ended_normally(ws: web.WebSocketResponse) -> bool:
    """Whether the socket ended with a normal close: our 1000 (the end of its stream), or, when we
    sent none, the client's 1000 or 1001 (it left); not a cut-off, an error or an overflow."""
    if ws.close_code == WSCloseCode.ABNORMAL_CLOSURE:
        return False
    sent = ws.get(CLOSE_SENT)
    if sent is not None:
        return sent == WSCloseCode.OK
    return ws.close_code in (WSCloseCode.OK, WSCloseCode.GOING_AWAY)
