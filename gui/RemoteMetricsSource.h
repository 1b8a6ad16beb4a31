// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include "metrics/MetricsSnapshot.h"

class QNetworkReply;

namespace qsoketi {

// Scrapes another node's /metrics (qsoketi or soketi, either naming style) once per interval and
// emits the parsed snapshot, so the charts and the counters table show a remote node exactly like the
// local one. One request in flight at most: a slow node is skipped, not queued.
class RemoteMetricsSource : public QObject
{
    Q_OBJECT

public:
    explicit RemoteMetricsSource(QObject *parent = nullptr);
    ~RemoteMetricsSource() override;

    // http://host:9601 is completed to http://host:9601/metrics.
    static QUrl normalizedUrl(const QString &text);

    void start(const QUrl &url, int intervalMs = 1000);
    void stop();
    bool isActive() const { return m_timer.isActive(); }
    QUrl url() const { return m_url; }
    void scrapeNow();

signals:
    void snapshotTaken(const qsoketi::MetricsSnapshot &snapshot);
    // Network failure, HTTP error or a body with no metric at all.
    void scrapeFailed(const QString &reason);

private:
    void onFinished(QNetworkReply *reply);

    QNetworkAccessManager m_network;
    QTimer m_timer;
    QUrl m_url;
    QPointer<QNetworkReply> m_inFlight;
};

} // namespace qsoketi
