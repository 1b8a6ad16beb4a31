// SPDX-License-Identifier: GPL-3.0-or-later
#include "MetricsSampler.h"

#include "metrics/MetricsRegistry.h"

namespace qsoketi {

MetricsSampler::MetricsSampler(MetricsRegistry &registry, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_registry(registry)
{
    m_timer.setInterval(intervalMs);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &MetricsSampler::sampleNow);
}

void MetricsSampler::start()
{
    m_timer.start();
}

void MetricsSampler::stop()
{
    m_timer.stop();
}

void MetricsSampler::sampleNow()
{
    emit snapshotTaken(m_registry.collect());
}

} // namespace qsoketi
