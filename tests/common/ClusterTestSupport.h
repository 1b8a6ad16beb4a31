// SPDX-License-Identifier: GPL-3.0-or-later
// What the cluster tests (Redis, NATS) share: signed HTTP API calls, a free loopback port, metric sums.
#pragma once

#include <memory>

#include <QCryptographicHash>
#include <QDateTime>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTest>
#include <QUrlQuery>

#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "metrics/MetricsRegistry.h"

namespace qsoketi {

// What a signed request to the HTTP API got back; status -1 when no answer came within 10 s.
struct RestAnswer
{
    int status = -1;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QJsonObject json;
};

// A signed request to the HTTP API, as app-key/app-secret.
inline RestAnswer restAnswer(quint16 port, const QByteArray &method, const QString &path,
    QList<QPair<QString, QString>> params = {}, const QByteArray &body = {})
{
    params.append({QStringLiteral("auth_key"), QStringLiteral("app-key")});
    params.append({QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())});
    params.append({QStringLiteral("auth_version"), QStringLiteral("1.0")});
    if (!body.isEmpty())
        params.append({QStringLiteral("body_md5"),
            QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())});
    params.append({QStringLiteral("auth_signature"),
        QString::fromLatin1(HmacSigner::sign("app-secret", RestRequestVerifier::stringToSign(method, path, params)))});
    QUrlQuery query;
    query.setQueryItems(params);
    QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path));
    url.setQuery(query);
    QNetworkAccessManager nam;
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    std::unique_ptr<QNetworkReply> reply(method == "POST" ? nam.post(request, body) : nam.get(request));
    RestAnswer answer;
    if (!QTest::qWaitFor([&reply] { return reply->isFinished(); }, 10000))
        return answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        answer.headers.insert(name.toLower(), value);
    answer.json = QJsonDocument::fromJson(reply->readAll()).object();
    return answer;
}

// A signed request to the HTTP API; returns the status and the JSON answer.
inline QPair<int, QJsonObject> rest(quint16 port, const QByteArray &method, const QString &path,
    QList<QPair<QString, QString>> params = {}, const QByteArray &body = {})
{
    RestAnswer answer = restAnswer(port, method, path, std::move(params), body);
    return {answer.status, answer.json};
}

inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

inline double familySum(MetricsRegistry &registry, const std::string &name)
{
    double sum = 0;
    for (const auto &family : registry.collect().families)
        if (family.name == name)
            for (const auto &m : family.metric)
                sum += family.type == prometheus::MetricType::Histogram ? double(m.histogram.sample_count)
                                                                        : m.counter.value;
    return sum;
}

} // namespace qsoketi
