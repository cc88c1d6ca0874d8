"""The benchmark targets, and what wrangler dev 4.86.0 measured on this machine (the reference)."""

EVENT_ADDED_P50_MS = 0.5
EVENT_ADDED_P99_MS = 5.0
TTFB_ADDED_P50_MS = 2.0
BODY_MB_S = 60.0
CONC_ADDED_P99_MS = 100.0
CONC_RSS_MB = 300.0
COLD_START_S = 2.5
DRIFT_PCT = 5.0
RENDER_5000_MS = 1000.0
LONG_TASK_MS = 50.0

REF_EVENT_P50 = "+1.1 ms (workerd: +0.4 ms)"
REF_EVENT_P99 = "+3.7 ms"
REF_TTFB = "+6.5 ms"
REF_BODY = "≈7 MB/s"
REF_CONC = "p99 11–17 s at 300 streams, once 0 delivered"
REF_CONC_RSS = ">1.1 GB at 300 streams"
REF_COLD = "4.0 s"
