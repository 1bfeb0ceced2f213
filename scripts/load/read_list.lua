-- wrk script: one list query of the read API (a page of 50 air-quality
-- readings of one station, with their station), as an app would send it.
-- Usage: wrk -t2 -c32 -d20s -s scripts/load/read_list.lua http://127.0.0.1:8080/graphql
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"query":"query List($f: AirQualityFilter) { airQualityObservations(first: 50, filter: $f, orderBy: {direction: DESC}) { totalCount edges { cursor node { id dateObserved aqi pm25 pm10 no2 dominantPollutant station { name district } } } pageInfo { hasNextPage endCursor } } }","operationName":"List","variables":{"f":{"stationIds":["dongsi"],"time":{"from":"2017-01-01T00:00:00Z","to":"2017-03-01T00:00:00Z"}}}}]]

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
