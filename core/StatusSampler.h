// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QObject>
#include <QTimer>

#include "channels/ChannelsSnapshot.h"
#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

class ServerCore;

// Reads the server once per interval and hands out plain values: the metrics registry's snapshot
// (what /metrics prints) and the channels snapshot. Whatever shows them (the dashboard) never touches
// live server objects, and polling costs the server one reading per second, never one per event
// (qBittorrent's SessionStatus pattern).
class StatusSampler : public QObject
{
    Q_OBJECT

public:
    // Channels per app in a channels snapshot at most; a load test may open 100k.
    static constexpr int maxChannelsPerApp = 2000;

    explicit StatusSampler(const ServerCore &core, int intervalMs = 1000, QObject *parent = nullptr);
    ~StatusSampler() override;

    void start();
    void stop();
    bool isActive() const { return m_timer.isActive(); }
    // Samples and emits right now (also used for the first sample, so a window is not empty for 1 s).
    void sampleNow();

signals:
    void metricsSampled(const qsoketi::MetricsSnapshot &snapshot);
    void channelsSampled(const qsoketi::ChannelsSnapshot &snapshot, int connectionCount);

private:
    const ServerCore &m_core;
    QTimer m_timer;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace qsoketi
