// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookTarget.h"

#include <QJsonArray>
#include <QJsonValue>

namespace qsoketi {

namespace {

// Header names and values go on the wire verbatim: refuse anything that could split the request.
bool isSafeHeaderPart(const QByteArray &bytes)
{
    for (const char ch : bytes) {
        if (ch == '\r' || ch == '\n' || ch == '\0')
            return false;
    }
    return true;
}

} // namespace

WebhookTarget WebhookTarget::fromJson(const QJsonObject &entry, bool *lambda)
{
    WebhookTarget target;
    const QString url = entry.value(QLatin1String("url")).toString();
    if (lambda)
        *lambda = url.isEmpty() && !entry.value(QLatin1String("lambda_function")).toString().isEmpty();
    const QUrl parsed(url, QUrl::StrictMode);
    if (url.isEmpty() || !parsed.isValid()
        || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https"))
        || parsed.host().isEmpty())
        return target;
    target.m_url = parsed;

    const QJsonArray types = entry.value(QLatin1String("event_types")).toArray();
    for (const QJsonValue type : types) {
        if (const auto known = webhookEventFromName(type.toString()))
            target.m_eventMask |= webhookEventBit(*known);
    }

    const QJsonObject filter = entry.value(QLatin1String("filter")).toObject();
    target.m_channelPrefix = filter.value(QLatin1String("channel_name_starts_with")).toString();
    target.m_channelSuffix = filter.value(QLatin1String("channel_name_ends_with")).toString();

    const QJsonObject headers = entry.value(QLatin1String("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it) {
        const QByteArray name = it.key().trimmed().toUtf8();
        const QJsonValue value = it.value();
        const QByteArray text = value.isString() ? value.toString().toUtf8()
            : value.isDouble()                   ? QByteArray::number(value.toDouble(), 'g', 17)
            : value.isBool()                     ? QByteArray(value.toBool() ? "true" : "false")
                                                 : QByteArray();
        if (name.isEmpty() || text.isNull() || !isSafeHeaderPart(name) || !isSafeHeaderPart(text))
            continue;
        const QByteArray lower = name.toLower();
        // The signature headers must be the sender's (soketi sets them last, so they win); a custom
        // Content-Length, Host, Connection or Transfer-Encoding would corrupt the request.
        if (lower == "x-pusher-key" || lower == "x-pusher-signature" || lower == "content-length" || lower == "host"
            || lower == "connection" || lower == "transfer-encoding")
            continue;
        target.m_headers.append({name, text});
    }
    return target;
}

bool WebhookTarget::matches(WebhookEventType type, QStringView channel) const
{
    if (!(m_eventMask & webhookEventBit(type)))
        return false;
    if (!m_channelPrefix.isEmpty() && !channel.startsWith(m_channelPrefix))
        return false;
    if (!m_channelSuffix.isEmpty() && !channel.endsWith(m_channelSuffix))
        return false;
    return true;
}

QList<QPair<QByteArray, QByteArray>> WebhookTarget::requestHeaders(
    const QByteArray &key, const QByteArray &signature) const
{
    QList<QPair<QByteArray, QByteArray>> headers{{"Accept", "application/json"}, {"Content-Type", "application/json"},
        {"User-Agent", "QsoketiWebhooksClient/1.0"}};
    for (const auto &[name, value] : m_headers) {
        const QByteArray lower = name.toLower();
        headers.removeIf([&lower](const auto &h) { return h.first.toLower() == lower; });
        headers.append({name, value});
    }
    headers.append({"X-Pusher-Key", key});
    headers.append({"X-Pusher-Signature", signature});
    return headers;
}

QString WebhookTarget::displayUrl() const
{
    return m_url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

} // namespace qsoketi
