// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

class MetricsRegistry;

// Reads the registry once per interval on the GUI thread (where the server runs in GUI mode) and hands
// the snapshot to every model: polling costs the server one collect() per second, never per event.
class MetricsSampler : public QObject
{
    Q_OBJECT

public:
    explicit MetricsSampler(MetricsRegistry &registry, int intervalMs = 1000, QObject *parent = nullptr);

    void start();
    void stop();
    bool isActive() const { return m_timer.isActive(); }
    // Collects and emits right now (also used for the first sample, so the window is not empty for 1 s).
    void sampleNow();

signals:
    void snapshotTaken(const qsoketi::MetricsSnapshot &snapshot);

private:
    MetricsRegistry &m_registry;
    QTimer m_timer;
};

} // namespace qsoketi
