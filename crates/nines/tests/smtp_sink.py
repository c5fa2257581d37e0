"""A real SMTP server (aiosmtpd) for nines' email tests.

Prints READY <port> once listening, then one JSON line per accepted
message. Options: --tls starttls|implicit|none (with --cert/--key),
--user/--password to require AUTH (LOGIN or PLAIN, over TLS), and
--fail-first N to answer the first N messages with a transient 451.
"""

import argparse
import asyncio
import email
import email.policy
import json
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, fail_first):
        self.fail_first = fail_first
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen <= self.fail_first:
            return "451 4.3.0 try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                parts[part.get_content_type()] = part.get_content().replace("\r\n", "\n")
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "subject": msg["subject"],
                    "from": msg["from"],
                    "message_id": msg["message-id"],
                    "text": parts.get("text/plain"),
                    "html": parts.get("text/html"),
                    "auth": bool(session.authenticated),
                    "tls": session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                }
            ),
            flush=True,
        )
        return "250 2.0.0 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", default="none", choices=["starttls", "implicit", "none"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--fail-first", type=int, default=0)
    a = p.parse_args()

    context = None
    if a.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        return AuthResult(success=ok)

    kwargs = {}
    if a.user:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.tls != "none")
    if a.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    # Port 0: bind here and hand the socket to the server, then say which
    # port it got (READY <port>), so the test never picks a port that
    # someone else can take meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", a.port))
    port = sock.getsockname()[1]

    class BoundController(Controller):
        def _create_server(self):
            return self.loop.create_server(
                self._factory_invoker, sock=sock, ssl=self.ssl_context
            )

    controller = BoundController(
        Sink(a.fail_first),
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if a.tls == "implicit" else None,
        server_hostname="localhost",
        ready_timeout=10,
        **kwargs,
    )
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        # Bounded: the test kills it long before.
        asyncio.run(asyncio.sleep(600))
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
