// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace qsoketi {

// prom-client's default process metrics (spec §6.3) plus the event-loop lag, read when collected.
//
// Why a Collectable of its own rather than Gauge/Counter families in the prometheus::Registry: the
// values live in the kernel, not in our code, so they must be read at scrape time; prometheus-cpp 1.0.1
// counters can only be incremented (CPU seconds would need delta bookkeeping), and its Registry accepts
// only Family<T>, not a foreign Collectable. MetricsRegistry::collect() therefore appends this
// collector's families after the soketi ones (soketi's order: its own metrics, then the defaults).
class ProcessMetricsCollector final : public prometheus::Collectable
{
public:
    // namePrefix already includes "<port>_" in the port-in-name style; portLabel is the server port.
    ProcessMetricsCollector(std::string namePrefix, std::string portLabel);

    std::vector<prometheus::MetricFamily> Collect() const override;

    // Written by EventLoopLagMonitor (main thread); read by Collect(), hence atomic.
    void setEventLoopLagSeconds(double seconds) { m_eventLoopLagSeconds.store(seconds, std::memory_order_relaxed); }
    double eventLoopLagSeconds() const { return m_eventLoopLagSeconds.load(std::memory_order_relaxed); }

private:
    std::string m_namePrefix;
    std::string m_portLabel;
    std::optional<double> m_startTimeSeconds; // constant for the life of the process: read once
    std::atomic<double> m_eventLoopLagSeconds{0};
};

} // namespace qsoketi
