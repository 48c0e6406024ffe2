#!/usr/bin/env python3
"""Checks scripts/test-imap-server.sh and scripts/test-smtp-server.py with Python's own clients.

    python3 scripts/check-mail-servers.py [WORKDIR]      (root; default WORKDIR: a new temp dir)

Starts two Dovecot instances in parallel, then for each: LOGIN, ID, EXAMINE INBOX, UID SEARCH,
UID FETCH BODY.PEEK[] over plain IMAP and IMAPS (trusting DIR/cert.pem), checks the flags did not
change, the rawlog shows ID before EXAMINE, and a file put into Maildir/new/ while a session is open
shows up after NOOP. Then SMTP: plain and implicit TLS, AUTH required, DIR/1.eml == bytes sent.
"""
import imaplib
import os
import re
import shutil
import smtplib
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAP_SH = os.path.join(HERE, "test-imap-server.sh")
SMTP_PY = os.path.join(HERE, "test-smtp-server.py")
USER, PASSWORD = "returns@example.cn", "secret-code"
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + (("  -- " + str(detail)) if not cond else ""))


def start_imap(d, out):
    t = time.time()
    r = subprocess.run([IMAP_SH, d], capture_output=True, text=True, timeout=60)
    out[d] = (r, time.time() - t)


def imap_session(d, port, tls):
    if tls:
        ctx = ssl.create_default_context(cafile=os.path.join(d, "cert.pem"))
        m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
    else:
        m = imaplib.IMAP4("127.0.0.1", port)
    m.login(USER, PASSWORD)
    typ, _ = m._simple_command("ID", '("name" "test")')
    check(f"{'IMAPS' if tls else 'IMAP'} ID answered", typ == "OK")
    typ, data = m.select("INBOX", readonly=True)          # imaplib sends EXAMINE
    check("EXAMINE INBOX", typ == "OK", data)
    typ, data = m.uid("SEARCH", "ALL")
    uids = data[0].split()
    check("UID SEARCH finds the delivered message", len(uids) >= 1, data)
    _, before = m.uid("FETCH", uids[0], "(FLAGS)")
    typ, data = m.uid("FETCH", uids[0], "(BODY.PEEK[])")
    check("UID FETCH BODY.PEEK[] returns the bytes", typ == "OK" and b"Subject: hello" in data[0][1])
    _, after = m.uid("FETCH", uids[0], "(FLAGS)")
    check("flags unchanged by BODY.PEEK", before == after and b"\\Seen" not in after[0], (before, after))
    # a new file in Maildir/new while the session is open shows up after NOOP
    name = "%d.%d_late%s.localhost" % (time.time(), os.getpid(), "tls" if tls else "plain")
    with open(os.path.join(d, "Maildir", "tmp", name), "wb") as f:
        f.write(b"Subject: late\r\n\r\nlate\r\n")
    shutil.chown(os.path.join(d, "Maildir", "tmp", name), "dovecot", "dovecot")
    os.rename(os.path.join(d, "Maildir", "tmp", name), os.path.join(d, "Maildir", "new", name))
    m.noop()
    _, data = m.uid("SEARCH", "ALL")
    check("message written to new/ seen without restart", len(data[0].split()) == len(uids) + 1, data)
    m.logout()


def check_rawlog(d):
    ins = sorted(f for f in os.listdir(os.path.join(d, "rawlog")) if f.endswith(".in"))
    check("rawlog files named <yyyymmdd>-<HHMMSS>.<pid>.<n>.in",
          ins and all(re.fullmatch(r"\d{8}-\d{6}\.\d+\.\d+\.in", f) for f in ins), ins)
    for f in ins:
        cmds = [line.split(" ", 2)[2].split(" ")[0].upper()
                for line in open(os.path.join(d, "rawlog", f), encoding="utf-8", errors="replace")
                if len(line.split(" ", 2)) == 3]
        check(f"rawlog {f}: ID before EXAMINE", "ID" in cmds and "EXAMINE" in cmds
              and cmds.index("ID") < cmds.index("EXAMINE"), cmds)


def smtp_checks(work, d_imap):
    msg = b"From: returns@example.cn\r\nTo: a@example.cn\r\nSubject: x\r\n\r\n.dot\r\nbody\r\n"
    for mode in ("plain", "tls"):
        d = os.path.join(work, "smtp-" + mode)
        extra = [] if mode == "plain" else ["--tls", os.path.join(d_imap, "server-cert.pem"),
                                            os.path.join(d_imap, "server-key.pem")]
        p = subprocess.Popen([SMTP_PY, d, *extra], stdout=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline().strip()
            check(f"SMTP {mode}: prints SMTP_PORT=<n>", re.fullmatch(r"SMTP_PORT=\d+", line), line)
            port = int(line.split("=")[1])
            if mode == "plain":
                s = smtplib.SMTP("127.0.0.1", port)
            else:
                ctx = ssl.create_default_context(cafile=os.path.join(d_imap, "cert.pem"))
                s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx)
            try:
                s.sendmail(USER, ["a@example.cn"], msg)
                check(f"SMTP {mode}: MAIL without AUTH refused", False)
            except smtplib.SMTPSenderRefused as e:
                check(f"SMTP {mode}: MAIL without AUTH refused", e.smtp_code == 530, e)
            s.login(USER, PASSWORD)
            s.sendmail(USER, ["a@example.cn", "b@example.cn"], msg)
            s.quit()
            check(f"SMTP {mode}: 1.eml is the bytes sent", open(os.path.join(d, "1.eml"), "rb").read() == msg)
            check(f"SMTP {mode}: 1.rcpt lists the recipients",
                  open(os.path.join(d, "1.rcpt")).read() == "a@example.cn\nb@example.cn\n")
        finally:
            p.terminate()
            p.wait(timeout=10)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="mailcheck.")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)   # mkdtemp makes 0700; Dovecot's processes (uid dovecot) must traverse it
    dirs = [os.path.join(work, "imap-a"), os.path.join(work, "imap-b")]
    out = {}
    threads = [threading.Thread(target=start_imap, args=(d, out)) for d in dirs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        for d in dirs:
            r, secs = out[d]
            m = re.fullmatch(r"IMAP_PORT=(\d+) IMAPS_PORT=(\d+) PID=(\d+)\n", r.stdout)
            check(f"{os.path.basename(d)} started in {secs:.2f}s", r.returncode == 0 and m, (r.stdout, r.stderr))
            if not m:
                continue
            subprocess.run([IMAP_SH, "--deliver", d, "/dev/stdin"], check=True, capture_output=True,
                           input=b"From: a@example.cn\r\nTo: returns@example.cn\r\nSubject: hello\r\n\r\nbody\r\n")
            imap_session(d, int(m.group(1)), tls=False)
            imap_session(d, int(m.group(2)), tls=True)
            check_rawlog(d)
            with open(os.path.join(d, "dovecot.log"), encoding="utf-8") as f:
                check("dovecot.log records the ID (imap_id_log)", "ID sent: name=test" in f.read())
        smtp_checks(work, dirs[0])
    finally:
        for d in dirs:
            subprocess.run([IMAP_SH, "--stop", d])
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
