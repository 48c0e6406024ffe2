#!/usr/bin/env python3
"""Misbehaving IMAP and SMTP servers for tests and the hostile benchmark, on 127.0.0.1 only.

    scripts/hostile-mail-server.py MODE DIR [--messages N] [--max-bytes N]

Prints `PORT=<n>` (flushed) once the kernel-chosen port listens, then serves connections one
after another until killed. Every connection is logged to DIR/log (one line per command the
client sent). Nothing it sends is unbounded: each mode stops after --max-bytes (default 3 GB)
or when the client hangs up, so a client without caps shows as memory growth, not as a hang of
this script. Standard library only.

IMAP modes (the mailbox holds N small returns, UIDs 1..N, Message-ID <hostile-K@test>):
  imap-good            behaves (a baseline)
  imap-endless-greeting  "* OK " and then bytes without end
  imap-endless-id      greeting and LOGIN fine, then an endless "* ID (" line
  imap-huge-literal    the body of UID 1 as a literal that declares 2 GB and streams it
  imap-lying-size      UID 1 declares RFC822.SIZE 2000 but its body is 60 MB, sent whole
                       whatever part was asked for (later connections: headers only)
  imap-honest-big      UID 1 declares 2000 but is 30 MB; partial fetches are honoured
  imap-no-size         UID 1 has no RFC822.SIZE and is 30 MB; partial fetches honoured
  imap-trickle         greeting one byte every 2 s
  imap-silent          accepts and says nothing
  imap-missing         the first connection answers UID 2's body fetch OK without data
  imap-missing-first   the same for UID 1
  imap-size-overflow   UID 1 declares an RFC822.SIZE past any number
  imap-huge-header     UID 1 declares 2000 but is 30 MB, and its headers (30 MB) are sent whole
                       whatever part was asked for
  imap-uidvalidity     UIDVALIDITY changes on every connection
SMTP modes (each logs the commands it gets, message lines too):
  smtp-good            behaves: any login, every message accepted
  smtp-endless-220     "220 " and then bytes without end
  smtp-no-auth         EHLO offers no AUTH
  smtp-cram-only       EHLO offers AUTH CRAM-MD5 only
  smtp-silent          accepts and says nothing
  smtp-trickle         greeting one byte every 2 s
  smtp-silent-after-data  accepts the first message's DATA, then says nothing
  smtp-half-reply      after a message's data, "250-queued" and the connection closed
  smtp-close-after-data  after a message's data, the connection closed without a reply
  smtp-late-reply      after a message's data, the reply only after --late seconds
  smtp-reject-data     after a message's data, "554 5.7.1 rejected as spam"
  smtp-utf8            behaves, and offers SMTPUTF8
With --good N the first N messages (over all connections) are answered normally. Every message
whose data ended (the final dot) is counted in DIR/delivered, one line each, whatever the reply.
"""
import argparse
import os
import re
import socket
import sys
import threading
import time

CHUNK = b"A" * 65536


def message(k):
    body = "1.1 已完成第{}项。".format(k).encode("utf-8")
    return (
        b"From: lyj@example.cn\r\nTo: rsxstg@163.com\r\n"
        + "Subject: 县林业局7月进展{}\r\n".format(k).encode("utf-8")
        + b"Date: Mon, 5 Aug 2019 09:00:00 +0800\r\n"
        + b"Message-ID: <hostile-%d@test>\r\n" % k
        + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + body
        + b"\r\n"
    )


def big_message(size):
    head = (
        b"From: lyj@example.cn\r\nTo: rsxstg@163.com\r\nSubject: big\r\n"
        b"Date: Mon, 5 Aug 2019 09:00:00 +0800\r\nMessage-ID: <hostile-big@test>\r\n"
        b"Content-Type: text/plain\r\n\r\n"
    )
    line = b"x" * 998 + b"\r\n"
    return head + line * ((size - len(head)) // len(line) + 1)


class Stop(Exception):
    pass


class Conn:
    def __init__(self, sock, args, log):
        self.sock = sock
        self.args = args
        self.sent = 0
        self.log = log
        self.buf = b""

    def send(self, data):
        self.sent += len(data)
        try:
            self.sock.sendall(data)
        except OSError:
            raise Stop()
        if self.sent > self.args.max_bytes:
            raise Stop()

    def endless(self, head):
        self.send(head)
        while True:
            self.send(CHUNK)

    def line(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except OSError:
                raise Stop()
            if not data:
                raise Stop()
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("utf-8", "replace").rstrip("\r")
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(text + "\n")
        return text


def partial_limit(command):
    found = re.search(r"BODY\.PEEK\[\]<0\.(\d+)>", command)
    return int(found.group(1)) if found else None


def imap(conn, mode, args, state):
    with state["lock"]:
        state["connections"] += 1
        number = state["connections"]
    first = number == 1
    if mode == "imap-endless-greeting":
        conn.endless(b"* OK ")
    if mode == "imap-silent":
        time.sleep(3600)
        raise Stop()
    if mode == "imap-trickle":
        for byte in b"* OK hello, this greeting arrives one byte at a time\r\n":
            conn.send(bytes([byte]))
            time.sleep(2)
    else:
        conn.send(b"* OK [CAPABILITY IMAP4rev1 ID] hostile ready\r\n")
    validity = 7 + (number if mode == "imap-uidvalidity" else 0)
    messages = {k: message(k) for k in range(1, args.messages + 1)}
    big = None
    if mode in ("imap-lying-size", "imap-honest-big", "imap-no-size"):
        big = big_message(60_000_000 if mode == "imap-lying-size" else 30_000_000)
    if mode == "imap-huge-header":
        line = b"X-Filler: " + b"y" * 988 + b"\r\n"
        big = (b"From: lyj@example.cn\r\nSubject: big\r\nMessage-ID: <hostile-big@test>\r\n"
               + line * 30000 + b"\r\nbody\r\n")
    while True:
        command = conn.line()
        parts = command.split(" ", 2)
        if len(parts) < 2:
            continue
        tag, verb = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else ""
        if verb == "CAPABILITY":
            conn.send(b"* CAPABILITY IMAP4rev1 ID\r\n%s OK done\r\n" % tag.encode())
        elif verb == "LOGIN":
            conn.send(b"%s OK logged in\r\n" % tag.encode())
        elif verb == "ID":
            if mode == "imap-endless-id":
                conn.endless(b'* ID ("name" "')
            conn.send(b'* ID ("name" "hostile")\r\n%s OK id\r\n' % tag.encode())
        elif verb in ("EXAMINE", "SELECT"):
            conn.send(
                b"* %d EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n%s OK [READ-ONLY] done\r\n"
                % (len(messages), validity, len(messages) + 1, tag.encode())
            )
        elif verb == "UID" and rest.upper().startswith("SEARCH"):
            found = re.search(r"UID (\d+):\*", rest)
            low = int(found.group(1)) if found else 1
            uids = [k for k in messages if k >= low] or [max(messages)]
            conn.send(
                b"* SEARCH %s\r\n%s OK search\r\n"
                % (" ".join(map(str, uids)).encode(), tag.encode())
            )
        elif verb == "UID" and rest.upper().startswith("FETCH"):
            _, uid_set, what = rest.split(" ", 2)
            uids = [int(u) for u in uid_set.split(",") if u.isdigit()]
            for uid in uids:
                raw = messages.get(uid)
                if raw is None:
                    continue
                if uid == 1 and big is not None:
                    raw = big
                header = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                if "RFC822.SIZE" in what:
                    items = b"UID %d" % uid
                    if uid == 1 and mode == "imap-size-overflow":
                        items += b" RFC822.SIZE 99999999999999999999999"
                    elif not (uid == 1 and mode == "imap-no-size"):
                        declared = 2000 if (uid == 1 and big is not None) else len(raw)
                        items += b" RFC822.SIZE %d" % declared
                    mid = [l for l in header.split(b"\r\n") if l.lower().startswith(b"message-id")]
                    field = (mid[0] + b"\r\n\r\n") if mid else b"\r\n"
                    items += b" BODY[HEADER.FIELDS (MESSAGE-ID)] {%d}\r\n%s" % (len(field), field)
                    conn.send(b"* %d FETCH (%s)\r\n" % (uid, items))
                elif "BODY.PEEK[HEADER]" in what:
                    conn.send(b"* %d FETCH (UID %d BODY[HEADER] {%d}\r\n" % (uid, uid, len(header)))
                    view = memoryview(header)
                    for start in range(0, len(header), 1 << 20):
                        conn.send(bytes(view[start:start + (1 << 20)]))
                    conn.send(b")\r\n")
                elif "BODY.PEEK[]" in what:
                    if mode == "imap-missing" and uid == 2 and first:
                        continue
                    if mode == "imap-missing-first" and uid == 1 and first:
                        continue
                    if mode == "imap-huge-literal" and uid == 1:
                        conn.endless(b"* 1 FETCH (UID 1 BODY[] {2000000000}\r\n")
                    limit = partial_limit(what)
                    data = raw
                    honour = not (mode in ("imap-lying-size", "imap-huge-header") and uid == 1)
                    if limit is not None and honour:
                        data = raw[:limit]
                    section = b"BODY[]<0>" if limit is not None else b"BODY[]"
                    conn.send(b"* %d FETCH (UID %d %s {%d}\r\n" % (uid, uid, section, len(data)))
                    view = memoryview(data)
                    for start in range(0, len(data), 1 << 20):
                        conn.send(bytes(view[start:start + (1 << 20)]))
                    conn.send(b")\r\n")
            conn.send(b"%s OK fetch\r\n" % tag.encode())
        elif verb == "LOGOUT":
            conn.send(b"* BYE bye\r\n%s OK bye\r\n" % tag.encode())
            raise Stop()
        else:
            conn.send(b"%s OK\r\n" % tag.encode())


def smtp(conn, mode, args, state):
    if mode == "smtp-endless-220":
        conn.endless(b"220 ")
    if mode == "smtp-silent":
        time.sleep(3600)
        raise Stop()
    if mode == "smtp-trickle":
        for byte in b"220 hostile ESMTP one byte at a time\r\n":
            conn.send(bytes([byte]))
            time.sleep(2)
    else:
        conn.send(b"220 hostile ESMTP\r\n")
    while True:
        command = conn.line().upper()
        if command.startswith("EHLO") or command.startswith("HELO"):
            auth = {
                "smtp-no-auth": b"",
                "smtp-cram-only": b"250-AUTH CRAM-MD5\r\n",
            }.get(mode, b"250-AUTH PLAIN LOGIN\r\n")
            if mode == "smtp-utf8":
                auth += b"250-SMTPUTF8\r\n"
            conn.send(b"250-hostile\r\n" + auth + b"250 8BITMIME\r\n")
        elif command.startswith("AUTH"):
            conn.send(b"235 ok\r\n")
        elif command.startswith("DATA"):
            conn.send(b"354 go on\r\n")
            while conn.line() != ".":
                pass
            with state["lock"]:
                state["messages"] = state.get("messages", 0) + 1
                number = state["messages"]
                with open(os.path.join(args.dir, "delivered"), "a", encoding="utf-8") as f:
                    f.write("%d\n" % number)
            if number <= args.good:
                conn.send(b"250 queued\r\n")
                continue
            if mode == "smtp-silent-after-data":
                time.sleep(3600)
                raise Stop()
            if mode == "smtp-half-reply":
                conn.send(b"250-queued\r\n")
                raise Stop()
            if mode == "smtp-close-after-data":
                raise Stop()
            if mode == "smtp-late-reply":
                time.sleep(args.late)
            if mode == "smtp-reject-data":
                conn.send(b"554 5.7.1 rejected as spam\r\n")
                continue
            conn.send(b"250 queued\r\n")
        elif command.startswith("QUIT"):
            conn.send(b"221 bye\r\n")
            raise Stop()
        else:
            conn.send(b"250 ok\r\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    parser.add_argument("dir")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--max-bytes", type=int, default=3 * 1024 ** 3)
    parser.add_argument("--good", type=int, default=0)
    parser.add_argument("--late", type=float, default=30.0)
    args = parser.parse_args()
    log = os.path.join(args.dir, "log")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print("PORT=%d" % listener.getsockname()[1], flush=True)
    state = {"connections": 0, "lock": threading.Lock()}
    serve = imap if args.mode.startswith("imap-") else smtp

    def handle(sock):
        conn = Conn(sock, args, log)
        try:
            serve(conn, args.mode, args, state)
        except Stop:
            pass
        finally:
            with open(log, "a", encoding="utf-8") as f:
                f.write("-- connection closed, %d bytes sent\n" % conn.sent)
            try:
                sock.close()
            except OSError:
                pass

    while True:
        sock, _ = listener.accept()
        threading.Thread(target=handle, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
