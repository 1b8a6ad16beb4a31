// SPDX-License-Identifier: GPL-3.0-or-later
#include "StatusSampler.h"

#include "ServerCore.h"
#include "metrics/MetricsRegistry.h"
#include "server/PusherServer.h"

namespace qsoketi {

StatusSampler::StatusSampler(const ServerCore &core, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_core(core)
{
    m_timer.setInterval(intervalMs);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &StatusSampler::sampleNow);
}

void StatusSampler::start()
{
    m_timer.start();
}

void StatusSampler::stop()
{
    m_timer.stop();
}

void StatusSampler::sampleNow()
{
    emit metricsSampled(m_core.metrics().collect());
    const PusherServer &server = m_core.pusher();
    emit channelsSampled(ChannelsSnapshot::take(server.appStates(), maxChannelsPerApp), server.connectionCount());
}

} // namespace qsoketi
