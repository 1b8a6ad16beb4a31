// SPDX-License-Identifier: GPL-3.0-or-later
#include "StatusSampler.h"

#include <QCoreApplication>

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

StatusSampler::~StatusSampler()
{
    *m_alive = false; // samples still on their way from the server thread are dropped
}

void StatusSampler::sampleNow()
{
    // The values are read on the server's thread (the core may run on one of its own, see ServerThread)
    // and handed back here as plain values. On one thread both hops are direct calls: sampleNow() emits
    // before it returns.
    auto *core = const_cast<ServerCore *>(&m_core); // only read, on its own thread
    QMetaObject::invokeMethod(core, [this, core, alive = m_alive] {
        MetricsSnapshot metrics = core->metrics().collect();
        const PusherServer &server = core->pusher();
        ChannelsSnapshot channels = ChannelsSnapshot::take(server.appStates(), maxChannelsPerApp);
        const int connections = server.connectionCount();
        // Posted to the application object, which outlives this sampler; `alive` is read on this
        // sampler's thread, where it is destroyed.
        QMetaObject::invokeMethod(QCoreApplication::instance(),
            [this, alive, metrics = std::move(metrics), channels = std::move(channels), connections] {
                if (!*alive)
                    return;
                emit metricsSampled(metrics);
                emit channelsSampled(channels, connections);
            });
    });
}

} // namespace qsoketi
