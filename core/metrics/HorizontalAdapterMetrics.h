// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace prometheus {
class Counter;
class Histogram;
} // namespace prometheus

namespace qsoketi {

// Cross-node request metrics (soketi's horizontal_adapter_* families), labels app_id and port.
struct HorizontalAdapterMetrics
{
    prometheus::Histogram *resolveTime = nullptr; // observed in seconds (soketi observed ms: its bug)
    prometheus::Counter *resolvedPromises = nullptr;
    prometheus::Counter *uncompletePromises = nullptr;
    prometheus::Counter *sentRequests = nullptr;
    prometheus::Counter *receivedRequests = nullptr;
    prometheus::Counter *receivedResponses = nullptr;
};

} // namespace qsoketi
