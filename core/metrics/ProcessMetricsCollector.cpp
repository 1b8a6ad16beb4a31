// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ProcessMetricsCollector.h"

#include <utility>

#include "metrics/ProcessInfo.h"

namespace qsoketi {

ProcessMetricsCollector::ProcessMetricsCollector(std::string namePrefix, std::string portLabel)
    : m_namePrefix(std::move(namePrefix))
    , m_portLabel(std::move(portLabel))
    , m_startTimeSeconds(ProcessInfo::startTimeSeconds())
{}

std::vector<prometheus::MetricFamily> ProcessMetricsCollector::Collect() const
{
    std::vector<prometheus::MetricFamily> families;
    families.reserve(10);
    const auto add = [&](const char *name, const char *help, prometheus::MetricType type, double value) {
        prometheus::ClientMetric metric;
        metric.label = {{"port", m_portLabel}};
        if (type == prometheus::MetricType::Counter)
            metric.counter.value = value;
        else
            metric.gauge.value = value;
        families.push_back({m_namePrefix + name, help, type, {std::move(metric)}});
    };
    const auto addGauge = [&](const char *name, const char *help, std::optional<qint64> value) {
        if (value) // a reading we could not take is left out, never reported as 0
            add(name, help, prometheus::MetricType::Gauge, double(*value));
    };

    // Names and HELP texts as prom-client's collectDefaultMetrics(), in its order.
    const ProcessInfo::CpuTimes cpu = ProcessInfo::cpuTimes();
    add("process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", prometheus::MetricType::Counter,
        cpu.userSeconds);
    add("process_cpu_system_seconds_total", "Total system CPU time spent in seconds.", prometheus::MetricType::Counter,
        cpu.systemSeconds);
    add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        prometheus::MetricType::Counter, cpu.userSeconds + cpu.systemSeconds);
    if (m_startTimeSeconds)
        add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
            prometheus::MetricType::Gauge, *m_startTimeSeconds);
    addGauge("process_resident_memory_bytes", "Resident memory size in bytes.", ProcessInfo::residentMemoryBytes());
    addGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", ProcessInfo::virtualMemoryBytes());
    addGauge("process_heap_bytes", "Process heap size in bytes.", ProcessInfo::heapBytes());
    addGauge("process_open_fds", "Number of open file descriptors.", ProcessInfo::openFds());
    addGauge("process_max_fds", "Maximum number of open file descriptors.", ProcessInfo::maxFds());
    add("eventloop_lag_seconds", "Lag of the event loop in seconds.", prometheus::MetricType::Gauge,
        eventLoopLagSeconds());
    return families;
}

} // namespace qsoketi
