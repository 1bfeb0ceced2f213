-- wrk script: tlog-tiles reads (DESIGN §6 amendment "Tiles"), cycling over
-- the full level-0 tiles 000 … (TILES-1) of a log of at least TILES·256
-- entries, so every request is a real range read, not one hot row set.
-- Usage: TILES=30 wrk -t2 -c16 -d10s -s scripts/load/tiles.lua http://127.0.0.1:8080
-- (KIND=entries for entry bundles instead of hash tiles).
local tiles = tonumber(os.getenv("TILES") or "10")
local kind = os.getenv("KIND") or "0"
local n = 0

request = function()
  n = (n + 1) % tiles
  return wrk.format("GET", string.format("/tile/%s/%03d", kind, n))
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
