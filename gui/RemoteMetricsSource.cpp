// SPDX-License-Identifier: GPL-3.0-or-later
#include "RemoteMetricsSource.h"

#include <QDateTime>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "PrometheusTextParser.h"

namespace qsoketi {

RemoteMetricsSource::RemoteMetricsSource(QObject *parent)
    : QObject(parent)
{
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RemoteMetricsSource::scrapeNow);
}

RemoteMetricsSource::~RemoteMetricsSource()
{
    stop();
}

QUrl RemoteMetricsSource::normalizedUrl(const QString &text)
{
    QString t = text.trimmed();
    if (!t.contains(QLatin1String("://")))
        t.prepend(QLatin1String("http://"));
    QUrl url(t, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return QUrl();
    if (url.path().isEmpty() || url.path() == QLatin1String("/"))
        url.setPath(QStringLiteral("/metrics"));
    return url;
}

void RemoteMetricsSource::start(const QUrl &url, int intervalMs)
{
    stop();
    m_url = url;
    m_timer.start(intervalMs);
    scrapeNow();
}

void RemoteMetricsSource::stop()
{
    m_timer.stop();
    if (m_inFlight)
        m_inFlight->abort();
}

void RemoteMetricsSource::scrapeNow()
{
    if (m_inFlight || !m_url.isValid())
        return;
    QNetworkRequest request(m_url);
    request.setRawHeader("Accept", "text/plain;version=0.0.4");
    request.setTransferTimeout(qMax(500, m_timer.interval() * 3));
    QNetworkReply *reply = m_network.get(request);
    m_inFlight = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onFinished(reply); });
}

void RemoteMetricsSource::onFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_inFlight == reply)
        m_inFlight = nullptr;
    if (reply->error() == QNetworkReply::OperationCanceledError && !m_timer.isActive())
        return; // stopped
    if (reply->error() != QNetworkReply::NoError) {
        emit scrapeFailed(reply->errorString());
        return;
    }
    auto result = PrometheusTextParser::parse(reply->readAll(), QDateTime::currentMSecsSinceEpoch());
    if (result.snapshot.families.empty()) {
        emit scrapeFailed(
            result.errors.isEmpty() ? QStringLiteral("no metrics in the answer") : result.errors.constFirst());
        return;
    }
    emit snapshotTaken(result.snapshot);
}

} // namespace qsoketi
