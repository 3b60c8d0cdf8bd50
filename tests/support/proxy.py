"""A byte-level TCP proxy on loopback that can make a server unavailable on purpose.

Bytes pass through untouched (so Elasticsearch's ``X-Elastic-Product`` header reaches the client), and:

* ``freeze()``: nothing moves any more and new connections are accepted but never served, like a
  SIGSTOPped server; clients see a hang, then their own timeout;
* ``refuse()``: new connections are reset at once, like a server that is down;
* ``restore()``: traffic flows again; connections caught in a freeze are reset (their requests are
  the clients' problem: they retry).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    doomed: bool = False

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


@dataclass
class FaultyProxy:
    upstream_host: str
    upstream_port: int
    mode: str = "pass"
    port: int = 0
    connections: set[_Connection] = field(default_factory=set)
    accepted: int = 0
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FaultyProxy:
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def freeze(self) -> None:
        self.mode = "freeze"
        self._flowing.clear()
        for conn in self.connections:
            conn.doomed = True

    def refuse(self) -> None:
        """New connections are reset; connections frozen before stay frozen until ``restore``."""
        self.mode = "refuse"

    def restore(self) -> None:
        self.mode = "pass"
        for conn in [c for c in self.connections if c.doomed]:
            conn.abort()
        self._flowing.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        conn = _Connection(writer)
        if self.mode == "refuse":
            conn.abort()
            return
        self.connections.add(conn)
        try:
            if self.mode == "freeze":
                conn.doomed = True
                await self._flowing.wait()
                return
            up_reader, conn.upstream = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            await asyncio.gather(self._pipe(reader, conn.upstream, conn), self._pipe(up_reader, writer, conn))
        except OSError:
            pass
        finally:
            self.connections.discard(conn)
            conn.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: _Connection) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                if conn.doomed:
                    break
                writer.write(data)
                await writer.drain()
        conn.abort()
