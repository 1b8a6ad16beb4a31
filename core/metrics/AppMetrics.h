// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace prometheus {
class Counter;
class Gauge;
} // namespace prometheus

namespace qsoketi {

// The series of one app (labels app_id, port), resolved once by MetricsRegistry::forApp() so the hot
// path only does an atomic add. The pointers stay valid for the registry's lifetime.
struct AppMetrics
{
    prometheus::Gauge *connected = nullptr;
    prometheus::Counter *newConnections = nullptr;
    prometheus::Counter *newDisconnections = nullptr;
    prometheus::Counter *socketReceivedBytes = nullptr;
    prometheus::Counter *socketTransmittedBytes = nullptr;
    prometheus::Counter *wsMessagesReceived = nullptr;
    prometheus::Counter *wsMessagesSent = nullptr;
    prometheus::Counter *httpReceivedBytes = nullptr;
    prometheus::Counter *httpTransmittedBytes = nullptr;
    prometheus::Counter *httpCallsReceived = nullptr;
};

} // namespace qsoketi
