#!/usr/bin/env bash
# Anonymous query throughput against the same query with the gate off
# (README "Performance"): three release servers on fresh PostgreSQL
# databases, one after the other, the same load generator
# (tests/examples/anon_load.rs, 16 connections, pre-built proofs):
#   A  gate on (every unit needs a proof), then `zkcity audit verify` of A's
#      whole log with every proof checked;
#   B  gate off, response cache off (every answer runs the query);
#   C  gate off, response cache on (the default for public reads).
# Usage: scripts/load/anon_bench.sh [REQUESTS] [CONCURRENCY]
# Needs: target/release/zkcity and target/release/examples/anon_load
# (cargo build --release --locked --workspace --examples), PostgreSQL on
# 127.0.0.1:5432 (trust auth).
set -euo pipefail
REQUESTS=${1:-4000}
CONC=${2:-16}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/target/release/zkcity
LOAD=${LOAD:-$ROOT/target/release/examples/anon_load}
WORK=$(mktemp -d /tmp/zkcity-anon-bench.XXXXXX)
PID=""
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=""; }
trap stop EXIT
cd "$WORK"
psql_() { psql -q -h 127.0.0.1 -U postgres -d postgres -c "$1"; }

serve() { # name port gate(true|false) cache-mib
  psql_ "DROP DATABASE IF EXISTS zkanon_$1 WITH (FORCE)"; psql_ "CREATE DATABASE zkanon_$1"
  cat > "$1.toml" <<TOML
[server]
port = $2
[database]
url = "postgres://postgres@127.0.0.1:5432/zkanon_$1"
[graphql]
response_cache_mib = $4
[refresh]
enabled = false
[admin]
token = "bench"
[audit]
key_file = "$WORK/$1.log.key"
signer_state_file = "$WORK/$1.signed"
[zk.require_proof]
traffic = $3
power = $3
ecological = $3
TOML
  RUST_LOG=warn "$BIN" --config "$1.toml" serve 2> "$1.log" &
  PID=$!
  for _ in $(seq 600); do curl -sf "localhost:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "server $1 did not start" >&2; exit 1
}

echo "== A: gate on, $REQUESTS anonymous queries, $CONC connections (load $(cut -d' ' -f1 /proc/loadavg))"
serve a 18471 true 64
"$LOAD" --server http://127.0.0.1:18471 --admin-token bench --identities 8 \
  --requests "$REQUESTS" --warmup 50 --concurrency "$CONC"
zk=$(curl -s localhost:18471/graphql -H 'content-type: application/json' \
  -d '{"query":"{ logPublicKey zkParameters { verifyingKeySha256 } }"}')
echo "$zk"
LOG_KEY=$(echo "$zk" | sed 's/.*"logPublicKey":"\([^"]*\)".*/\1/')
VK_SHA=$(echo "$zk" | sed 's/.*"verifyingKeySha256":"\([^"]*\)".*/\1/')
"$BIN" audit verify --server http://127.0.0.1:18471 --log-key "$LOG_KEY" \
  --verifying-key-sha256 "$VK_SHA" --state "$WORK/audit.state"
stop

echo "== B: gate off, response cache off (load $(cut -d' ' -f1 /proc/loadavg))"
serve b 18472 false 0
"$LOAD" --server http://127.0.0.1:18472 --no-proof --requests "$REQUESTS" --warmup 50 --concurrency "$CONC"
stop

echo "== C: gate off, response cache on (load $(cut -d' ' -f1 /proc/loadavg))"
serve c 18473 false 64
"$LOAD" --server http://127.0.0.1:18473 --no-proof --requests "$REQUESTS" --warmup 50 --concurrency "$CONC"
stop
