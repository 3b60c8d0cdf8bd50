"""The local stack's opt-in security for Elasticsearch: the ``elastic`` user's password in the node's keystore
(``WIREWATCH_ES_SECURITY``), a self-signed CA and HTTPS certificate made with openssl (``WIREWATCH_ES_TLS``),
and the node's HTTP client used by the health checks.

Passwords are never echoed, never command-line arguments (``ps`` shows those) and never in a server's
environment: the keystore tool reads the password on stdin, and the health check sends it in a header.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path

from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.processes import StackError, log, print_tail
from wirewatch.ops.stack.settings import StackSettings, secret

TLS_FILES = ("ca.crt", "ca.key", "http.crt", "http.key")


def es_args(settings: StackSettings) -> list[str]:
    """-E settings of the opt-in security (none on the default path). Paths only, never secrets."""
    if not settings.es_security:
        return []
    args = ["-E", "xpack.security.enabled=true"]
    if settings.es_tls:
        args += [
            "-E", "xpack.security.http.ssl.enabled=true",
            "-E", "xpack.security.http.ssl.key=certs/http.key",
            "-E", "xpack.security.http.ssl.certificate=certs/http.crt",
            "-E", "xpack.security.http.ssl.certificate_authorities=certs/ca.crt",
        ]  # fmt: skip
    return args


def subject_alt_names(host: str) -> str:
    """localhost and loopback always, plus the host of WIREWATCH_ES_URL as an IP or a DNS name."""
    names = "DNS:localhost,IP:127.0.0.1,IP:::1"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"{names},DNS:{host}"
    return f"{names},IP:{host}"


def openssl_commands(host: str) -> list[list[str]]:
    """CA, then a CSR for the server, then the server certificate signed by the CA (run in the TLS dir)."""
    ca_subject = f"/CN=Wirewatch local CA ({socket.gethostname()})"
    return [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-sha256",
         "-subj", ca_subject, "-keyout", "ca.key", "-out", "ca.crt",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", f"/CN={host}",
         "-keyout", "http.key", "-out", "http.csr"],
        ["openssl", "x509", "-req", "-in", "http.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "825", "-sha256", "-extfile", "http.ext", "-out", "http.crt"],
    ]  # fmt: skip


def server_extensions(host: str) -> str:
    return "\n".join(
        [
            f"subjectAltName={subject_alt_names(host)}",
            "basicConstraints=CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth",
            "subjectKeyIdentifier=hash",
            "authorityKeyIdentifier=keyid,issuer",
            "",
        ]
    )


def generate_tls(layout: Layout, settings: StackSettings) -> None:
    """Once per state dir; keys mode 600 (made under umask 077), only ca.crt is meant to leave."""
    tls = layout.tls_dir
    if all((tls / name).is_file() and (tls / name).stat().st_size for name in TLS_FILES):
        return
    log(f"generating a self-signed CA and an HTTPS certificate for '{settings.es_host}' in {tls}")
    tls.mkdir(parents=True, exist_ok=True)
    for name in (*TLS_FILES, "ca.srl", "http.csr"):
        (tls / name).unlink(missing_ok=True)
    (tls / "http.ext").write_text(server_extensions(settings.es_host))
    with layout.es_out.open("a") as out:
        for command in openssl_commands(settings.es_host):
            code = subprocess.call(  # noqa: S603 — openssl with fixed arguments
                command,
                cwd=tls,
                umask=0o077,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            if code != 0:
                print_tail(layout.es_out)
                raise StackError(f"openssl could not generate the certificates in {tls}")
    for name in ("http.csr", "http.ext"):
        (tls / name).unlink(missing_ok=True)
    layout.tls_ca.chmod(0o644)


def install_tls(layout: Layout, settings: StackSettings, chown: Callable[[Path], None]) -> None:
    """ES 9 reads TLS files only from its config dir: a copy of the key, certificate and CA there."""
    generate_tls(layout, settings)
    layout.es_certs.mkdir(parents=True, exist_ok=True)
    for name in ("http.crt", "http.key", "ca.crt"):
        shutil.copyfile(layout.tls_dir / name, layout.es_certs / name)
    (layout.es_certs / "http.key").chmod(0o600)
    chown(layout.es_certs)


def setup_keystore(layout: Layout, settings: StackSettings, tool: Callable[..., subprocess.Popen[bytes]]) -> None:
    """The ``elastic`` user's password is the keystore's bootstrap.password, used for as long as nobody
    changed it through the API; rewritten on every start, given to the tool on stdin."""
    keystore = layout.es_conf / "elasticsearch.keystore"
    if not keystore.is_file() and tool("keystore", "create").wait() != 0:
        raise StackError(f"could not create the Elasticsearch keystore in {layout.es_conf} (see {layout.es_out})")
    adding = tool("keystore", "add", "--stdin", "--force", "bootstrap.password", stdin=subprocess.PIPE)
    adding.communicate((secret(settings.es_password) + "\n").encode())
    if adding.returncode != 0:
        raise StackError(f"could not store bootstrap.password in the Elasticsearch keystore (see {layout.es_out})")
    keystore.chmod(0o600)


class NodeClient:
    """HTTP to the local node: plain by default, with ``elastic``'s credentials and the generated CA when
    security (and TLS) are on."""

    def __init__(self, settings: StackSettings, ca: Path, *, node: int = 0) -> None:
        self.url = settings.es_node_url(node)
        self.headers: dict[str, str] = {}
        if settings.es_security:
            token = b64encode(f"elastic:{secret(settings.es_password)}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.context = ssl.create_default_context(cafile=str(ca)) if settings.es_tls and ca.is_file() else None

    def get(self, path: str, timeout: float = 5.0) -> tuple[int | None, dict[str, object]]:
        """(HTTP status, JSON body); (None, {}) when nothing answers."""
        request = urllib.request.Request(self.url + path, headers=self.headers)  # noqa: S310 — http(s) only
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.context) as response:  # noqa: S310
                return int(response.status), json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, {}
        except (OSError, ValueError):
            return None, {}
