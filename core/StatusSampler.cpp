// SPDX-License-Identifier: GPL-3.0-or-later
#include "StatusSampler.h"

#include <QCoreApplication>

#include "ServerCore.h"
#include "ServerWorker.h"
#include "metrics/MetricsRegistry.h"
#include "server/PusherServer.h"
#include "threading/ThreadHandOff.h"

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
    // The values are read on the threads that own them (the core may run on one of its own, see
    // ServerThread, and each worker on its own) and handed back here as plain values, merged here.
    // With one worker on this thread every hop is a direct call: sampleNow() emits before it returns.
    auto *core = const_cast<ServerCore *>(&m_core); // only read, on the owners' threads
    struct Gathered
    {
        MetricsSnapshot metrics;
        ChannelsSnapshot channels;
        int connections = 0;
        int missing = 0;
    };
    ThreadHandOff::post(core, [this, core, alive = m_alive] {
        auto gathered = std::make_shared<Gathered>();
        gathered->metrics = core->metrics().collect();
        gathered->missing = core->workerCount();
        for (int i = 0; i < core->workerCount(); ++i) {
            ServerWorker *worker = &core->worker(i);
            ThreadHandOff::post(worker, [this, worker, gathered, alive] {
                ChannelsSnapshot channels = ChannelsSnapshot::take(worker->pusher().appStates(), maxChannelsPerApp);
                const int connections = worker->pusher().connectionCount();
                // Posted to the application object, which outlives this sampler; `alive` and `gathered`
                // are only touched on this sampler's thread, where it is destroyed.
                ThreadHandOff::post(
                    QCoreApplication::instance(), [this, alive, gathered, channels = std::move(channels), connections] {
                        if (!*alive)
                            return;
                        gathered->channels.merge(channels, maxChannelsPerApp);
                        gathered->connections += connections;
                        if (--gathered->missing > 0)
                            return;
                        emit metricsSampled(gathered->metrics);
                        emit channelsSampled(gathered->channels, gathered->connections);
                    });
            });
        }
    });
}

} // namespace qsoketi
