// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
} // namespace prometheus

namespace qsoketi {

// The webhook series of one app (labels app_id, port; deliveries also outcome), resolved once by
// MetricsRegistry::webhooksForApp(). The one record of what the sender did: the dashboard, /metrics and
// the tests read these, the sender keeps no counters of its own.
struct WebhookMetrics
{
    // <prefix>webhook_deliveries_total{outcome}: how each delivery ended.
    prometheus::Counter *delivered = nullptr; // a 2xx answer
    prometheus::Counter *failed = nullptr; // gave up: retry window over (or maxAttempts)
    prometheus::Counter *abandoned = nullptr; // still unsent when the shutdown grace period ended
    prometheus::Counter *attempts = nullptr; // HTTP requests made (first tries and retries)
    prometheus::Counter *retries = nullptr; // attempts after a failed one
    prometheus::Counter *dropped = nullptr; // pushed out of the app's full queue
    prometheus::Gauge *queueLength = nullptr; // deliveries waiting, retrying or on the wire
    prometheus::Histogram *deliverySeconds = nullptr; // from the event to its 2xx answer, retries included
    prometheus::Counter *leavesCancelled = nullptr; // vacated/member_removed dropped by a re-join in the delay
};

} // namespace qsoketi
