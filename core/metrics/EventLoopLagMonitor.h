// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace qsoketi {

class ProcessMetricsCollector;

// qsoketi's counterpart of nodejs_eventloop_lag_seconds: a precise single-shot timer re-armed every
// interval; how late it fires is how long the event loop was busy elsewhere. One wake-up per interval
// (500 ms by default) is all it costs. The latest reading goes to the collector's eventloop_lag_seconds.
class EventLoopLagMonitor final : public QObject
{
    Q_OBJECT

public:
    explicit EventLoopLagMonitor(ProcessMetricsCollector &collector, int intervalMs = 500, QObject *parent = nullptr);

    int intervalMs() const { return m_timer.interval(); }

signals:
    void measured(double lagSeconds);

private:
    void arm();
    void onTimeout();

    ProcessMetricsCollector &m_collector;
    QTimer m_timer;
    QElapsedTimer m_armedAt;
};

} // namespace qsoketi
