// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include <QList>
#include <QObject>
#include <QPointF>
#include <QTimer>
#include <QUrl>

#include "MetricsHistory.h"
#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

class RemoteMetricsSource;

// The cluster view's nodes: this process (fed by the dashboard's own registry snapshots, no HTTP) and
// other nodes by their /metrics URL (qsoketi or soketi), each scraped asynchronously by its own
// RemoteMetricsSource (one request in flight per node, a transfer timeout, so a dead node costs a
// failed request, never a blocked GUI thread). Per node: health (up, last scrape, event-loop lag,
// memory, connections) and a short chart history of its own; the cluster sum is derived from those
// when drawn, never counted separately. The URLs the user added are remembered (QSettings
// "cluster/nodes"). Bounded: at most maxNodes nodes, historyCapacity samples each. No widgets.
class ClusterMonitor : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Connecting, // added, no answer yet
        Up,
        Down
    };
    struct Health
    {
        double connections = NAN; // NaN: the node does not publish it
        double memoryBytes = NAN;
        double eventLoopLagSeconds = NAN;
        QString server; // "soketi" (it publishes nodejs_* families) or "qsoketi"
    };
    struct Node
    {
        QString name; // "This server (:6001)" or host:port
        QUrl url; // empty for this process
        bool local = false;
        State state = State::Connecting;
        qint64 addedMs = 0;
        qint64 lastScrapeMs = 0; // last successful reading; 0 = never
        QString error; // why the last scrape failed
        Health health;
        std::unique_ptr<MetricsHistory> history;
        RemoteMetricsSource *source = nullptr;
    };
    static constexpr int maxNodes = 16;
    // 15 minutes of one-second samples per node: the cluster view's longest range.
    static constexpr qsizetype historyCapacity = 900;

    // Starts with this process as node 0 and the remembered URLs after it.
    explicit ClusterMonitor(const QString &localName, int scrapeIntervalMs = 1000, QObject *parent = nullptr);
    ~ClusterMonitor() override;

    // The health a snapshot tells, in soketi's and qsoketi's names alike (connected,
    // process_resident_memory_bytes, [nodejs_]eventloop_lag_seconds).
    static Health readHealth(const MetricsSnapshot &snapshot);
    static QStringList savedUrls();

    int count() const { return int(m_nodes.size()); }
    const Node &node(int index) const { return *m_nodes[size_t(index)]; }
    int indexOf(const QUrl &url) const;
    // Adds a node by its metrics URL (http://host:9601 is completed to …/metrics) and remembers it;
    // returns its index, or -1 with *error set (not a URL, already listed, too many nodes).
    int addNode(const QString &urlText, QString *error = nullptr);
    // Removes (and forgets) a remote node; this process cannot be removed.
    bool removeNode(int index);
    // A node that answered nothing for this long is down even while its request still hangs.
    qint64 downAfterMs() const { return 3LL * m_intervalMs; }
    int upCount() const;

    // Chart points of one node (or the sum over every node with a reading when node < 0), over every app.
    QList<QPointF> points(int node, MetricsHistory::Series series, qint64 rangeMs, qint64 nowMs) const;

public slots:
    void setLocalSnapshot(const qsoketi::MetricsSnapshot &snapshot);

signals:
    // Around a node added or removed (indices after it shift).
    void nodesAboutToChange();
    void nodesChanged();
    void nodeRemoved(const QUrl &url);
    // State, health or last-scrape time of one node changed.
    void nodeUpdated(int index);
    // Once per scrape interval, after every node's state is current (the last-scrape ages grew).
    void ticked();

private:
    int add(std::unique_ptr<Node> node);
    void onSnapshot(Node *node, const MetricsSnapshot &snapshot);
    void onFailure(Node *node, const QString &reason);
    void tick();
    void save() const;
    int indexOf(const Node *node) const;

    const int m_intervalMs;
    std::vector<std::unique_ptr<Node>> m_nodes;
    QTimer m_tick;
};

} // namespace qsoketi
