-- wrk script: POST the LoST findService of LOST_BODY_FILE (tests/load/lost-civic.xml: a civic location with
-- validateLocation="true", validated and geocoded against the Maple Falls GIS fixture, mapped by PSAP polygon).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/lost+xml;charset=utf-8"
local file = assert(io.open(os.getenv("LOST_BODY_FILE") or "tests/load/lost-civic.xml", "r"))
wrk.body = file:read("*a")
file:close()

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests/s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
