#!/usr/bin/env python3
"""A throw-away SMTP server for integration tests, on 127.0.0.1 only (aiosmtpd).

    scripts/test-smtp-server.py DIR [--tls CERT KEY | --starttls CERT KEY] [--port N]

Prints one line to stdout, flushed, once the port accepts connections:

    SMTP_PORT=<n>

then serves until killed (SIGTERM/SIGINT end it cleanly). The port is a free one chosen by the
kernel unless --port is given.

  * no flag:          plain SMTP; AUTH PLAIN and AUTH LOGIN are offered without TLS.
  * --tls CERT KEY:   implicit TLS (SMTPS, TLS from the first byte, like port 465).
  * --starttls CERT KEY: plain SMTP that offers STARTTLS (not required).
  * --drop-after N:   accept N messages, then close the connection (no reply) at each later
                      message's end of data: a send that fails halfway.
CERT/KEY are PEM files; scripts/test-imap-server.sh leaves usable ones in its DIR
(server-cert.pem, server-key.pem, trusted through DIR/cert.pem).

AUTH is required before MAIL FROM (530 otherwise); the only account is
returns@example.cn / secret-code (535 for anything else).

Each accepted message n = 1, 2, ... is written to DIR as
    <n>.rcpt   the envelope recipients (RCPT TO), one per line
    <n>.from   the envelope sender (MAIL FROM), one line
    <n>.eml    the message bytes exactly as received after DATA (dot-unstuffed, CRLF kept)
<n>.eml is written last and atomically (via a temporary name), so once it exists the other two
exist too. Rejected logins are appended to DIR/auth-failures.log.

Needs aiosmtpd (pip install aiosmtpd; 1.4.x on Python 3.11 works, see scripts/mail-servers.md).
"""
import argparse
import asyncio
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER = b"returns@example.cn"
PASSWORD = b"secret-code"


class SaveToDir:
    def __init__(self, directory, drop_after=None):
        self.dir = directory
        self.count = 0
        self.drop_after = drop_after
        self.tried = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.tried += 1
            if self.drop_after is not None and self.tried > self.drop_after:
                # The line goes dead in the middle of a run: no reply, connection closed.
                server.transport.close()
                return "421 4.3.0 connection lost"
            self.count += 1
            n = self.count
        base = os.path.join(self.dir, str(n))
        with open(base + ".rcpt", "w", encoding="utf-8") as f:
            f.write("".join(r + "\n" for r in envelope.rcpt_tos))
        with open(base + ".from", "w", encoding="utf-8") as f:
            f.write((envelope.mail_from or "") + "\n")
        data = envelope.original_content
        if data is None:
            data = envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        tmp = base + ".eml.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, base + ".eml")
        return "250 2.0.0 OK queued as %d" % n


class Authenticator:
    def __init__(self, directory):
        self.dir = directory

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == USER and auth_data.password == PASSWORD)
        if not ok:
            login = getattr(auth_data, "login", b"?")
            with open(os.path.join(self.dir, "auth-failures.log"), "a", encoding="utf-8") as f:
                f.write("%s %r\n" % (mechanism, login))
        return AuthResult(success=ok, handled=False)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="implicit TLS (SMTPS)")
    g.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="offer STARTTLS")
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--drop-after", type=int, default=None,
                    help="accept N messages, then close the connection at every later DATA")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    handler = SaveToDir(args.dir, args.drop_after)
    authenticator = Authenticator(args.dir)
    starttls_ctx = tls_context(*args.starttls) if args.starttls else None
    implicit_ctx = tls_context(*args.tls) if args.tls else None

    def factory():
        return SMTP(
            handler,
            hostname="localhost",   # the default, socket.getfqdn(), may stall without DNS
            ident="taizhang test SMTP",
            enable_SMTPUTF8=True,
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=False,
            tls_context=starttls_ctx,
            require_starttls=False,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1", port=args.port,
                                      ssl=implicit_ctx, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write("SMTP_PORT=%d\n" % port)
    sys.stdout.flush()

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    import logging
    import warnings
    # aiosmtpd warns "Requiring AUTH while not requiring TLS ..." for every connection: intended here.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    asyncio.run(main())
