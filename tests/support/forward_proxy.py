"""A small HTTP proxy on loopback that records what it is asked: forward requests (``GET http://…``) and
``CONNECT host:port`` tunnels. Names are resolved through ``hosts`` (tests pin ``*.test`` names), so it
reaches the test servers like a real egress proxy would reach the internet."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(eq=False)
class ForwardProxy:
    hosts: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    requests: list[str] = field(default_factory=list)  # "GET http://…" or "CONNECT host:port", in order
    _server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listen on a free port; the proxy's URL."""
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, _version = request_line.split(" ", 2)
            self.requests.append(f"{method} {target}")
            if method == "CONNECT":
                await self._tunnel(target, reader, writer)
            else:
                await self._forward(method, target, header_lines, reader, writer)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def _address(self, host: str) -> str:
        return self.hosts.get(host.lower(), host)

    async def _tunnel(self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(self._address(host), int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _forward(
        self,
        method: str,
        target: str,
        header_lines: list[str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        parts = urlsplit(target)
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        kept = [line for line in header_lines if line and not line.lower().startswith(("proxy-", "connection"))]
        up_reader, up_writer = await asyncio.open_connection(self._address(parts.hostname or ""), parts.port or 80)
        request = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close", "", ""])
        up_writer.write(request.encode("latin-1"))
        await up_writer.drain()
        await _pipe(up_reader, writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError):
            writer.close()
