// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include "webhooks/WebhookEventType.h"

namespace qsoketi {

// One entry of an app's `webhooks` array (spec §3): where to POST, which events, which channels.
// Parsed once at start-up so the per-event check is a mask test and two string comparisons.
class WebhookTarget
{
public:
    // Reads a webhook entry. An entry without an http(s) `url` (e.g. an AWS Lambda webhook) yields an
    // invalid target; *lambda says whether it was a Lambda one.
    static WebhookTarget fromJson(const QJsonObject &entry, bool *lambda = nullptr);

    bool isValid() const { return m_url.isValid() && !m_url.isEmpty(); }
    quint32 eventMask() const { return m_eventMask; }
    // event_types lists the event and the channel passes the filter (starts_with AND ends_with).
    bool matches(WebhookEventType type, QStringView channel) const;

    const QUrl &url() const { return m_url; }
    // The URL without user info or query, for log lines (webhook URLs may carry credentials).
    QString displayUrl() const;
    // Custom `headers`, minus those the sender owns (X-Pusher-*, Content-Length, Host, Connection,
    // Transfer-Encoding).
    const QList<QPair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    // Every header of a delivery, in soketi's order: defaults, the webhook's own (which may override
    // them), then the two signature headers, which nothing overrides.
    QList<QPair<QByteArray, QByteArray>> requestHeaders(const QByteArray &key, const QByteArray &signature) const;

private:
    QUrl m_url;
    quint32 m_eventMask = 0;
    QString m_channelPrefix;
    QString m_channelSuffix;
    QList<QPair<QByteArray, QByteArray>> m_headers;
};

} // namespace qsoketi
