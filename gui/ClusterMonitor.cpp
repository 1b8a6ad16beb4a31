// SPDX-License-Identifier: GPL-3.0-or-later
#include "ClusterMonitor.h"

#include <algorithm>

#include <QDateTime>
#include <QSettings>

#include "RemoteMetricsSource.h"

namespace qsoketi {

namespace {

const QString settingsKey = QStringLiteral("cluster/nodes");

double valueOf(const prometheus::MetricFamily &family, const prometheus::ClientMetric &metric)
{
    switch (family.type) {
    case prometheus::MetricType::Counter:
        return metric.counter.value;
    case prometheus::MetricType::Gauge:
        return metric.gauge.value;
    case prometheus::MetricType::Untyped:
        return metric.untyped.value;
    default:
        return NAN;
    }
}

} // namespace

ClusterMonitor::ClusterMonitor(const QString &localName, int scrapeIntervalMs, QObject *parent)
    : QObject(parent)
    , m_intervalMs(qMax(100, scrapeIntervalMs))
{
    auto local = std::make_unique<Node>();
    local->name = localName;
    local->local = true;
    local->addedMs = QDateTime::currentMSecsSinceEpoch();
    add(std::move(local));
    for (const QString &url : savedUrls())
        addNode(url);
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &ClusterMonitor::tick);
    m_tick.start(m_intervalMs);
}

ClusterMonitor::~ClusterMonitor() = default;

ClusterMonitor::Health ClusterMonitor::readHealth(const MetricsSnapshot &snapshot)
{
    Health health;
    health.server = QStringLiteral("qsoketi");
    for (const auto &family : snapshot.families) {
        if (family.name.rfind("nodejs_", 0) == 0 || family.name.find("_nodejs_") != std::string::npos)
            health.server = QStringLiteral("soketi");
        double *target = nullptr;
        bool sum = false;
        if (MetricsHistory::familyMatches(family.name, "connected")) {
            target = &health.connections;
            sum = true; // one series per app
        } else if (MetricsHistory::familyMatches(family.name, "process_resident_memory_bytes")) {
            target = &health.memoryBytes;
        } else if (MetricsHistory::familyMatches(family.name, "eventloop_lag_seconds")) {
            target = &health.eventLoopLagSeconds; // qsoketi's, and soketi's nodejs_eventloop_lag_seconds
        }
        if (!target)
            continue;
        for (const auto &metric : family.metric) {
            const double value = valueOf(family, metric);
            if (!std::isfinite(value))
                continue;
            *target = std::isnan(*target) ? value : (sum ? *target + value : std::max(*target, value));
        }
        if (sum && std::isnan(*target))
            *target = 0; // the family is there, no app has a socket yet
    }
    return health;
}

QStringList ClusterMonitor::savedUrls()
{
    return QSettings().value(settingsKey).toStringList();
}

int ClusterMonitor::indexOf(const QUrl &url) const
{
    for (size_t i = 0; i < m_nodes.size(); ++i)
        if (!m_nodes[i]->local && m_nodes[i]->url == url)
            return int(i);
    return -1;
}

int ClusterMonitor::indexOf(const Node *node) const
{
    for (size_t i = 0; i < m_nodes.size(); ++i)
        if (m_nodes[i].get() == node)
            return int(i);
    return -1;
}

int ClusterMonitor::addNode(const QString &urlText, QString *error)
{
    const QUrl url = RemoteMetricsSource::normalizedUrl(urlText);
    QString why;
    if (!url.isValid())
        why = tr("Not a metrics URL: %1").arg(urlText);
    else if (indexOf(url) >= 0)
        why = tr("%1 is already in the list").arg(url.toString());
    else if (count() >= maxNodes)
        why = tr("At most %1 nodes").arg(maxNodes);
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return -1;
    }
    auto node = std::make_unique<Node>();
    node->name = url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
    node->url = url;
    node->addedMs = QDateTime::currentMSecsSinceEpoch();
    node->source = new RemoteMetricsSource(this);
    Node *raw = node.get();
    connect(node->source, &RemoteMetricsSource::snapshotTaken, this,
        [this, raw](const MetricsSnapshot &snapshot) { onSnapshot(raw, snapshot); });
    connect(node->source, &RemoteMetricsSource::scrapeFailed, this,
        [this, raw](const QString &reason) { onFailure(raw, reason); });
    const int index = add(std::move(node));
    raw->source->start(url, m_intervalMs);
    save();
    return index;
}

int ClusterMonitor::add(std::unique_ptr<Node> node)
{
    node->history = std::make_unique<MetricsHistory>(historyCapacity);
    emit nodesAboutToChange();
    m_nodes.push_back(std::move(node));
    emit nodesChanged();
    return count() - 1;
}

bool ClusterMonitor::removeNode(int index)
{
    if (index < 0 || index >= count() || m_nodes[size_t(index)]->local)
        return false;
    const QUrl url = m_nodes[size_t(index)]->url;
    emit nodesAboutToChange();
    std::unique_ptr<Node> node = std::move(m_nodes[size_t(index)]);
    m_nodes.erase(m_nodes.begin() + index);
    node->source->disconnect(this);
    delete node->source; // aborts its request
    emit nodesChanged();
    save();
    emit nodeRemoved(url);
    return true;
}

int ClusterMonitor::upCount() const
{
    return int(std::count_if(m_nodes.cbegin(), m_nodes.cend(), [](const auto &n) { return n->state == State::Up; }));
}

void ClusterMonitor::setLocalSnapshot(const MetricsSnapshot &snapshot)
{
    onSnapshot(m_nodes.front().get(), snapshot);
}

void ClusterMonitor::onSnapshot(Node *node, const MetricsSnapshot &snapshot)
{
    node->history->addSnapshot(snapshot);
    node->health = readHealth(snapshot);
    node->lastScrapeMs = snapshot.takenAtMs;
    node->error.clear();
    node->state = State::Up;
    emit nodeUpdated(indexOf(node));
}

void ClusterMonitor::onFailure(Node *node, const QString &reason)
{
    node->error = reason;
    node->state = State::Down;
    emit nodeUpdated(indexOf(node));
}

void ClusterMonitor::tick()
{
    // A node whose request hangs (a stopped process behind a live port, a black hole) is down once it
    // has been silent for three intervals, before the transfer timeout even fires.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const auto &node : m_nodes) {
        if (node->local || node->state == State::Down)
            continue;
        const qint64 since = node->lastScrapeMs > 0 ? node->lastScrapeMs : node->addedMs;
        if (now - since > downAfterMs()) {
            if (node->error.isEmpty())
                node->error = tr("no answer for %1 s").arg((now - since) / 1000);
            node->state = State::Down;
            emit nodeUpdated(indexOf(node.get()));
        }
    }
    emit ticked();
}

QList<QPointF> ClusterMonitor::points(int index, MetricsHistory::Series series, qint64 rangeMs, qint64 nowMs) const
{
    if (index >= 0)
        return index < count() ? node(index).history->points(MetricsHistory::allApps(), series, rangeMs, nowMs)
                               : QList<QPointF>();
    // The sum at each step: every node's latest sample at or before it (not older than downAfterMs), so
    // nodes scraped at different moments of the second add up without gaps.
    std::vector<QList<QPointF>> perNode;
    for (const auto &node : m_nodes)
        perNode.push_back(node->history->points(MetricsHistory::allApps(), series, rangeMs, nowMs));
    const qint64 step = std::max<qint64>(m_intervalMs, rangeMs / 600);
    std::vector<qsizetype> next(perNode.size(), 0);
    QList<QPointF> out;
    for (qint64 t = nowMs - rangeMs + step; t <= nowMs; t += step) {
        double sum = 0;
        bool any = false;
        for (size_t n = 0; n < perNode.size(); ++n) {
            const QList<QPointF> &p = perNode[n];
            while (next[n] < p.size() && p[next[n]].x() <= double(t))
                ++next[n];
            if (next[n] > 0 && double(t) - p[next[n] - 1].x() <= double(downAfterMs())) {
                sum += p[next[n] - 1].y();
                any = true;
            }
        }
        if (any)
            out.append(QPointF(double(t), sum));
    }
    return out;
}

void ClusterMonitor::save() const
{
    QStringList urls;
    for (const auto &node : m_nodes)
        if (!node->local)
            urls.append(node->url.toString());
    QSettings().setValue(settingsKey, urls);
}

} // namespace qsoketi
