// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace prometheus {
class Counter;
class Histogram;
} // namespace prometheus

namespace qsoketi {

// The app store's series (label port; lookups and hits also by="key"|"id"), resolved once by
// MetricsRegistry::appStore(). All null = not measured (e.g. `qsoketi apps`). Never labelled with a key.
struct AppStoreMetrics
{
    prometheus::Counter *lookupsByKey = nullptr;
    prometheus::Counter *lookupsById = nullptr;
    prometheus::Counter *cacheHitsByKey = nullptr;
    prometheus::Counter *cacheHitsById = nullptr;
    prometheus::Counter *errors = nullptr; // store queries that failed or timed out
    prometheus::Histogram *lookupSeconds = nullptr; // how long uncached lookups waited for the store
};

} // namespace qsoketi
