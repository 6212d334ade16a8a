#!/usr/bin/env python3
"""An open-loop load sender for the real-time benchmarks: starts one job every 1/RATE s for
SECONDS s whatever the server does (a late answer never delays the next arrival), over a pool of
keep-alive HTTP/1.1 connections driven by asyncio (one thread: no thread per request, so it holds
200+ jobs/s on a small machine). Standard library only.

Used as a module by the benchmark drivers: `run(host, port, rate, seconds, job)` where `job(http,
n, context)` is a coroutine making the requests of job n through `http.call(...)`; `setup(http)`
makes the context (and may start tasks of its own on the loop, such as phones waiting for
offers); `after(http, context)`, if given, is awaited once every job has finished.
"""
import asyncio
import json
import time


class Http:
    """Keep-alive connections to one host, opened as needed, reused when free."""

    def __init__(self, host, port, limit=512):
        self.host, self.port = host, port
        self.idle = []
        self.slots = asyncio.Semaphore(limit)

    async def call(self, method, path, body=None, headers=None, timeout=30):
        """One request; (status, JSON or None). Raises on a transport failure or a timeout."""
        async with self.slots:
            connection = self.idle.pop() if self.idle else await asyncio.open_connection(
                self.host, self.port)
            reader, writer = connection
            try:
                status, data, keep = await asyncio.wait_for(
                    self._exchange(reader, writer, method, path, body, headers or {}), timeout)
            except BaseException:
                writer.close()
                raise
            if keep:
                self.idle.append(connection)
            else:
                writer.close()
            return status, data

    async def _exchange(self, reader, writer, method, path, body, headers):
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Connection: keep-alive",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, chunked, keep = 0, False, True
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                keep = False
        if chunked:
            raw = b""
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    await reader.readline()
                    break
                raw += await reader.readexactly(size)
                await reader.readline()
        else:
            raw = await reader.readexactly(length) if length else b""
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return status, data, keep

    def close(self):
        for _, writer in self.idle:
            writer.close()


async def _run(host, port, rate, seconds, job, setup, after):
    http = Http(host, port)
    context = await setup(http) if setup else None
    total = int(rate * seconds)
    errors, late = [], []
    tasks = []
    start = time.monotonic()

    async def one(n):
        try:
            await job(http, n, context)
        except Exception as error:  # counted and reported, never fatal
            errors.append(f"{type(error).__name__}: {error}")

    for n in range(total):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late.append(-delay)
        tasks.append(asyncio.create_task(one(n)))
    sent_in = time.monotonic() - start
    await asyncio.gather(*tasks)
    if after:
        await after(http, context)
    http.close()
    return {"jobs": total, "sent_in_s": sent_in, "errors": errors,
            "max_start_lag_ms": max(late) * 1000 if late else 0.0}


def run(host, port, rate, seconds, job, setup=None, after=None):
    """Runs the open-loop load; a dict with jobs, sent_in_s, errors, max_start_lag_ms."""
    return asyncio.run(_run(host, port, rate, seconds, job, setup, after))
