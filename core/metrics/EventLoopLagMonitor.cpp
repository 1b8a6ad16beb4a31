// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/EventLoopLagMonitor.h"

#include <algorithm>

#include "metrics/ProcessMetricsCollector.h"

namespace qsoketi {

EventLoopLagMonitor::EventLoopLagMonitor(ProcessMetricsCollector &collector, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_collector(collector)
{
    // A coarse timer may legally fire up to 5% late, which would show up as phantom lag.
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setSingleShot(true);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &EventLoopLagMonitor::onTimeout);
    arm();
}

void EventLoopLagMonitor::arm()
{
    m_armedAt.start();
    m_timer.start();
}

void EventLoopLagMonitor::onTimeout()
{
    const qint64 lateNs = m_armedAt.nsecsElapsed() - qint64(m_timer.interval()) * 1000000;
    const double lagSeconds = double(std::max<qint64>(lateNs, 0)) / 1e9;
    m_collector.setEventLoopLagSeconds(lagSeconds);
    emit measured(lagSeconds);
    // Re-armed only after firing (single shot), so a blocked loop yields one late reading, not a burst.
    arm();
}

} // namespace qsoketi
