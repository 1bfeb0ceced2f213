#!/usr/bin/env bash
# What witnessing costs and how fast tiles are served (README "Performance"):
# three `zkcity witness serve`, two release servers on fresh PostgreSQL
# databases under one log key — A with `[audit.witnesses]` (quorum 2), B
# without — the same append load on each (tests/examples/witness_load.rs),
# then wrk on A's tiles (scripts/load/tiles.lua).
# Usage: scripts/load/witness_bench.sh [APPENDS] [WORKERS]
# Needs: target/release/zkcity, the witness_load example (cargo test --no-run
# builds it), wrk, PostgreSQL on 127.0.0.1:5432 (trust auth).
set -euo pipefail
APPENDS=${1:-5000}
WORKERS=${2:-16}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/target/release/zkcity
LOAD=${LOAD:-$ROOT/target/debug/examples/witness_load}
WORK=$(mktemp -d /tmp/zkcity-witness-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
cd "$WORK"
psql_() { psql -q -h 127.0.0.1 -U postgres -d postgres -c "$1"; }
for db in zkbench_a zkbench_b; do psql_ "DROP DATABASE IF EXISTS $db WITH (FORCE)"; psql_ "CREATE DATABASE $db"; done

serve() { # name port db extra-toml
  cat > "$1.toml" <<TOML
[server]
port = $2
[database]
url = "postgres://postgres@127.0.0.1:5432/$3"
[data]
seed_on_start = false
[refresh]
enabled = false
[admin]
token = "bench"
[audit]
key_file = "$WORK/log.key"
signer_state_file = "$WORK/$1.signed"
$4
TOML
  RUST_LOG=warn "$BIN" --config "$1.toml" serve 2> "$1.log" &
  PIDS+=($!)
  for _ in $(seq 600); do curl -sf "localhost:$2/healthz" >/dev/null && return; sleep 0.1; done
  echo "server $1 did not start" >&2; exit 1
}

serve b 8192 zkbench_b ""
LOG_KEY=$(curl -s localhost:8192/graphql -H 'content-type: application/json' -d '{"query":"{ logPublicKey }"}' | sed 's/.*"logPublicKey":"\([^"]*\)".*/\1/')
WITNESSES=""
for i in 1 2 3; do
  KEY=$("$BIN" witness keygen --name "bench.witness/w$i" --out "w$i.key")
  RUST_LOG=warn "$BIN" witness serve --key "w$i.key" --state "w$i.state" --listen "127.0.0.1:738$i" --log "$LOG_KEY" 2> "w$i.log" &
  PIDS+=($!)
  WITNESSES+=$'\n'"[[audit.witnesses.list]]"$'\n'"name = \"w$i\""$'\n'"key = \"$KEY\""$'\n'"url = \"http://127.0.0.1:738$i\""
done
serve a 8191 zkbench_a $'[audit.witnesses]\nquorum = 2'"$WITNESSES"
sleep 1

echo "== without witnesses (B)"; "$LOAD" --server http://127.0.0.1:8192 --admin-token bench --count "$APPENDS" --workers "$WORKERS"
echo "== with three witnesses, quorum 2 (A)"; "$LOAD" --server http://127.0.0.1:8191 --admin-token bench --count "$APPENDS" --workers "$WORKERS"
echo "== without witnesses (B), again"; "$LOAD" --server http://127.0.0.1:8192 --admin-token bench --count "$APPENDS" --workers "$WORKERS" --first 1000000
echo "== with three witnesses (A), again"; "$LOAD" --server http://127.0.0.1:8191 --admin-token bench --count "$APPENDS" --workers "$WORKERS" --first 1000000
TILES=$(( 2 * APPENDS / 256 ))
echo "== tiles: $TILES full level-0 hash tiles (8 KiB each)"
TILES=$TILES wrk -t2 -c16 -d10s -s "$ROOT/scripts/load/tiles.lua" http://127.0.0.1:8191
echo "== tiles: $TILES full entry bundles"
TILES=$TILES KIND=entries wrk -t2 -c16 -d10s -s "$ROOT/scripts/load/tiles.lua" http://127.0.0.1:8191
echo "== /checkpoint (cosigned)"
wrk -t2 -c16 -d10s http://127.0.0.1:8191/checkpoint | grep -E "Requests/sec|Latency"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for db in zkbench_a zkbench_b; do psql_ "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
