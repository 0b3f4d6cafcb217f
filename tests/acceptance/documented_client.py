"""The documented Python client, kept as a user would paste it: run unchanged against the service.

A `websockets` loop that json.loads every frame, sends `ping` every 30 s and stops on a
terminal status.
"""

import asyncio
import json
import sys

import websockets


async def watch(url: str) -> dict:
    async with websockets.connect(url) as ws:
        async def keepalive():
            while True:
                await asyncio.sleep(30)
                await ws.send("ping")

        pinger = asyncio.create_task(keepalive())
        try:
            while True:
                data = json.loads(await ws.recv())
                print(f"{data['status']}: {data['progress']:.1f}% "
                      f"({data['processed']}/{data['total']}), eta {data['eta_seconds']}s", flush=True)
                if data["status"] in ("complete", "failed", "cancelled"):
                    return data
        finally:
            pinger.cancel()


if __name__ == "__main__":
    final = asyncio.run(watch(sys.argv[1]))
    sys.exit(0 if final["status"] == "complete" else 1)
