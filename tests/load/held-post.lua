-- wrk script: POST an empty HELD locationRequest (the device is located by its source address, 127.0.0.1).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/held+xml;charset=utf-8"
wrk.headers["Accept"] = "application/held+xml"
wrk.body = os.getenv("HELD_BODY") or
  '<locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held" responseTime="emergencyRouting"><locationType exact="false">civic geodetic</locationType></locationRequest>'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests/s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
end
