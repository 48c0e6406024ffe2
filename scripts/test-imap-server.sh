#!/usr/bin/env bash
# A private, throw-away Dovecot IMAP server for integration tests, on 127.0.0.1 only.
#
#   scripts/test-imap-server.sh DIR              start; prints ONE line and exits 0, dovecot keeps running:
#                                                IMAP_PORT=<n> IMAPS_PORT=<n> PID=<master pid>
#   scripts/test-imap-server.sh --stop DIR       stop the instance started in DIR (waits until it is gone)
#   scripts/test-imap-server.sh --deliver DIR FILE
#                                                deliver the raw message FILE into DIR/Maildir/new/
#                                                (prints the new file's path)
#
# Needs root and the Debian packages dovecot-imapd + openssl (see scripts/mail-servers.md).
# Nothing under /etc/dovecot or /run/dovecot is read or touched: the whole instance lives in DIR,
# so several instances (different DIRs) can run in parallel.
#
# What ends up in DIR:
#   dovecot.conf          the instance's only config (dovecot -c DIR/dovecot.conf)
#   users                 passwd-file: returns@example.cn / secret-code (PLAIN scheme)
#   cert.pem              the test CA's certificate (PEM): trust this to accept the server's TLS
#   ca-key.pem            the CA's key
#   server-cert.pem, server-key.pem
#                         the server's leaf certificate (CN=localhost, SAN DNS:localhost, IP:127.0.0.1,
#                         CA:FALSE, serverAuth; signed by cert.pem) and its key; usable by
#                         test-smtp-server.py --tls too
#   Maildir/{cur,new,tmp} the user's INBOX (owned by the `dovecot` user)
#   home/                 the user's home (Dovecot keeps small state files there)
#   rawlog/               post-login raw protocol, decrypted also for IMAPS: one pair of files per
#                         session, <yyyymmdd>-<HHMMSS>.<pid>.<n>.in (client->server) and .out
#                         (server->client); each line is "<unix secs.usecs> <line as sent>", e.g.
#                         "1764501979.093523 OJPG2 ID ("name" "test")". LOGIN itself is pre-login.
#   run/login/rawlogs/    pre-login raw protocol (everything before LOGIN/AUTHENTICATE succeeded),
#                         same naming; for IMAPS connections these files hold TLS bytes, not text
#   dovecot.log           Dovecot's log; imap_id_log=* writes each client's ID here, e.g.
#                         "imap-login: Info: ID sent: name=test: user=<>, rip=127.0.0.1, ..." (before
#                         login) or "imap(returns@example.cn)<pid><session>: Info: ID sent: name=test"
#   run/ state/           base_dir and state_dir (run/master.pid is the master's pid); for a DIR
#                         longer than 60 bytes run/ is a symlink to /tmp/tz-dovecot.XXXXXX
#   dovecot.start.log     dovecot's own stderr at start, then "started in <s> s"
#
# Delivering a message: write the raw RFC 5322 bytes to DIR/Maildir/tmp/<unique>, chown it to the
# `dovecot` user/group (mode 0644 at least), then rename(2) it to DIR/Maildir/new/<unique>, where
# <unique> is e.g. "<unix time>.<counter>_<pid>.localhost" (no ':' or '/' in it). Dovecot picks new
# files up on the next SELECT/EXAMINE/NOOP/STATUS without a restart. `--deliver DIR FILE` does exactly
# that. (Writing straight into new/ also works, but a reader could then see a half-written file.)
#
# DIR is made traversable (chmod 0755) because Dovecot's unprivileged processes (uid `dovecot`)
# must reach DIR/Maildir, DIR/rawlog and DIR/users; every parent of DIR must be traversable too.
set -euo pipefail

die() { echo "test-imap-server.sh: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_listening() { # port -> 0 when a socket LISTENs on 127.0.0.1:port (read from /proc/net/tcp:
    # probing with connect() would start an imap-login and leave empty rawlog files behind)
    grep -qE "^ *[0-9]+: 0100007F:$(printf '%04X' "$1") [0-9A-F]{8}:[0-9A-F]{4} 0A " /proc/net/tcp
}

alive() { # pid -> 0 while the process exists and is not a zombie
    [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

group_alive() { # pgid -> 0 while a live (non-zombie) process of that process group remains
    local f
    for f in /proc/[0-9]*/stat; do
        # field 5 (after "pid (comm) state ppid") is the process group
        sed -n 's/^[0-9]* (.*) \([A-Za-z]\) [0-9]* \([0-9]*\) .*/\1 \2/p' "$f" 2>/dev/null |
            grep -qE "^[^Z] $1\$" && return 0
    done
    return 1
}

stop_master() { # stop the master whose pid is in DIR/run/master.pid, and all its children
    local dir=$1 pid
    [ -f "$dir/run/master.pid" ] || return 0
    pid=$(cat "$dir/run/master.pid")
    # only a dovecot master started with this DIR's config (the pid may be stale and reused)
    if alive "$pid" && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/dovecot.conf"; then
        # A plain SIGTERM makes the master wait ~2.7 s for its log process to drain. Give the
        # imap processes 0.2 s to end their sessions, then kill the whole process group (the
        # daemonized master leads its own session and group; all of Dovecot's children are in it).
        kill -TERM "$pid" 2>/dev/null || true
        sleep 0.2
        kill -KILL -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            group_alive "$pid" || break
            sleep 0.05
        done
    fi
    rm -f "$dir/run/master.pid"
}

stop_instance() { # stop_master, then remove the short base_dir if DIR/run links to one
    local dir=$1
    stop_master "$dir"
    if [ -L "$dir/run" ]; then
        case "$(readlink "$dir/run")" in /tmp/tz-dovecot.*) rm -rf "$(readlink "$dir/run")" ;; esac
        rm -f "$dir/run"
    fi
}

deliver() {
    local dir=$1 file=$2 name
    [ -d "$dir/Maildir/new" ] || die "$dir/Maildir/new does not exist (start the server first)"
    name="$(date +%s).$$_${RANDOM}${RANDOM}.localhost"
    cp -- "$file" "$dir/Maildir/tmp/$name"
    chown dovecot:dovecot "$dir/Maildir/tmp/$name"
    chmod 0644 "$dir/Maildir/tmp/$name"
    mv -- "$dir/Maildir/tmp/$name" "$dir/Maildir/new/$name"
    echo "$dir/Maildir/new/$name"
}

case "${1:-}" in
    --stop)
        [ $# -eq 2 ] || die "usage: $0 --stop DIR"
        stop_instance "$(cd "$2" && pwd)"
        exit 0 ;;
    --deliver)
        [ $# -eq 3 ] || die "usage: $0 --deliver DIR FILE"
        deliver "$(cd "$2" && pwd)" "$3"
        exit 0 ;;
    -h|--help|"")
        sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || die "usage: $0 DIR | --stop DIR | --deliver DIR FILE"
[ "$(id -u)" -eq 0 ] || die "must run as root (dovecot drops to the dovecot/dovenull users)"
command -v dovecot >/dev/null || die "dovecot not installed: apt-get install -y dovecot-imapd"
command -v openssl >/dev/null || die "openssl not installed: apt-get install -y openssl"

mkdir -p "$1"
DIR=$(cd "$1" && pwd)
case "$DIR" in *[[:space:]\"]*) die "DIR must not contain spaces or quotes: $DIR" ;; esac
stop_instance "$DIR"   # a leftover instance from an earlier run in the same DIR

MAIL_UID=$(id -u dovecot); MAIL_GID=$(id -g dovecot)
chmod 0755 "$DIR"
mkdir -p "$DIR/Maildir/cur" "$DIR/Maildir/new" "$DIR/Maildir/tmp" "$DIR/home" "$DIR/rawlog" "$DIR/state"
# base_dir holds unix sockets such as base_dir/token-login/imap-urlauth, and a socket path may be at
# most 107 bytes: for a long DIR the base_dir goes to a short /tmp/tz-dovecot.XXXXXX, DIR/run
# being a symlink to it (removed again by --stop).
rm -rf "$DIR/run"
if [ "${#DIR}" -le 60 ]; then
    mkdir -p "$DIR/run"; BASE_DIR=$DIR/run
else
    BASE_DIR=$(mktemp -d /tmp/tz-dovecot.XXXXXX); chmod 0755 "$BASE_DIR"; ln -s "$BASE_DIR" "$DIR/run"
fi
chown -R "$MAIL_UID:$MAIL_GID" "$DIR/Maildir" "$DIR/home" "$DIR/rawlog"
chmod 0700 "$DIR/rawlog"
if ! setpriv --reuid="$MAIL_UID" --regid="$MAIL_GID" --clear-groups test -w "$DIR/Maildir/new"; then
    die "the dovecot user cannot reach $DIR/Maildir (is a parent directory of $DIR mode 0700?)"
fi

# Certificates: a CA (cert.pem) and a leaf signed by it. rustls/webpki reject a self-signed
# CA:TRUE certificate used directly as the server certificate, hence two certificates.
if [ ! -s "$DIR/server-cert.pem" ] || [ ! -s "$DIR/cert.pem" ]; then
    (
        cd "$DIR"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
            -subj "/CN=taizhang test CA" -keyout ca-key.pem -out cert.pem \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj "/CN=localhost" -keyout server-key.pem -out server.csr
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
        openssl x509 -req -in server.csr -CA cert.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile server.ext -out server-cert.pem
        rm -f server.csr server.ext cert.srl
        chmod 0644 cert.pem server-cert.pem
        chmod 0600 ca-key.pem server-key.pem
    ) >/dev/null 2>"$DIR/openssl.log" || die "openssl failed, see $DIR/openssl.log"
fi

# passwd-file: user:password:uid:gid:(gecos):home:(shell):extra userdb fields
printf 'returns@example.cn:{PLAIN}secret-code:%s:%s::%s/home::userdb_mail=maildir:%s/Maildir\n' \
    "$MAIL_UID" "$MAIL_GID" "$DIR" "$DIR" > "$DIR/users"
chown "root:$MAIL_GID" "$DIR/users"; chmod 0640 "$DIR/users"

write_conf() { # imap_port imaps_port
    cat > "$DIR/dovecot.conf" <<EOF
# Generated by scripts/test-imap-server.sh: a private test instance, nothing shared with /etc/dovecot.
instance_name = taizhang-test-$(basename "$DIR")-$$
base_dir = $BASE_DIR
state_dir = $DIR/state
log_path = $DIR/dovecot.log
info_log_path = $DIR/dovecot.log
debug_log_path = $DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
mail_location = maildir:$DIR/Maildir
mail_privileged_group =
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
ssl = yes
ssl_cert = <$DIR/server-cert.pem
ssl_key = <$DIR/server-key.pem
imap_id_log = *
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/users
}
service imap-login {
  # -R rawlogs: pre-login rawlog into base_dir/login/rawlogs (the login chroot)
  executable = imap-login -R rawlogs
  inet_listener imap {
    address = 127.0.0.1
    port = $1
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $2
    ssl = yes
  }
}
protocol imap {
  rawlog_dir = $DIR/rawlog
}
EOF
}

START=$(date +%s.%N)
for attempt in 1 2 3 4 5; do
    IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
    [ "$IMAP_PORT" != "$IMAPS_PORT" ] || continue
    write_conf "$IMAP_PORT" "$IMAPS_PORT"
    : > "$DIR/dovecot.log"; : > "$DIR/dovecot.start.log"
    chmod 0644 "$DIR/dovecot.log"
    dovecot -c "$DIR/dovecot.conf" 2>>"$DIR/dovecot.start.log" || {
        if grep -qi 'address already in use' "$DIR/dovecot.log" "$DIR/dovecot.start.log" 2>/dev/null; then
            stop_master "$DIR"; continue
        fi
        die "dovecot failed to start, see $DIR/dovecot.start.log and $DIR/dovecot.log:
$(cat "$DIR/dovecot.start.log")"
    }
    # base_dir/login exists once the master is up; the pre-login rawlog dir must live inside it.
    for _ in $(seq 1 200); do [ -s "$DIR/run/master.pid" ] && [ -d "$DIR/run/login" ] && break; sleep 0.02; done
    [ -s "$DIR/run/master.pid" ] || die "dovecot wrote no $DIR/run/master.pid, see $DIR/dovecot.log:
$(tail -5 "$DIR/dovecot.log")"
    mkdir -p "$DIR/run/login/rawlogs"
    chown dovenull:dovenull "$DIR/run/login/rawlogs"; chmod 0700 "$DIR/run/login/rawlogs"
    PID=$(cat "$DIR/run/master.pid")
    for _ in $(seq 1 250); do   # up to ~5 s
        if port_listening "$IMAP_PORT" && port_listening "$IMAPS_PORT"; then
            END=$(date +%s.%N)
            awk -v a="$START" -v b="$END" 'BEGIN { printf "started in %.3f s\n", b - a }' >> "$DIR/dovecot.start.log"
            echo "IMAP_PORT=$IMAP_PORT IMAPS_PORT=$IMAPS_PORT PID=$PID"
            exit 0
        fi
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.02
    done
    stop_master "$DIR"
    grep -qi 'address already in use' "$DIR/dovecot.log" 2>/dev/null && continue
    die "dovecot did not listen on $IMAP_PORT/$IMAPS_PORT, see $DIR/dovecot.log:
$(tail -5 "$DIR/dovecot.log")"
done
die "could not find two free ports after 5 attempts"
