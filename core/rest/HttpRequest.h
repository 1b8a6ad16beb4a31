// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

namespace qsoketi {

// One parsed HTTP/1.1 request as the REST API sees it.
struct HttpRequest
{
    QByteArray method; // upper case
    QString path; // percent-decoded path, without the query
    QByteArray rawPath; // path as sent (what a signature covers)
    QList<QPair<QString, QString>> query; // decoded, in order
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;

    QString queryValue(QStringView name) const
    {
        for (const auto &[k, v] : query)
            if (k == name)
                return v;
        return {};
    }
    bool hasQuery(QStringView name) const
    {
        for (const auto &kv : query)
            if (kv.first == name)
                return true;
        return false;
    }
};

// A REST answer before it is written to the socket.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    static HttpResponse json(int status, const QByteArray &body)
    {
        return HttpResponse{status, QByteArrayLiteral("application/json"), body, {}};
    }
    static HttpResponse text(int status, const QByteArray &body)
    {
        return HttpResponse{status, QByteArrayLiteral("text/plain; charset=utf-8"), body, {}};
    }
    // soketi's error body: {"error": message, "code": status}
    static HttpResponse error(int status, QStringView message);
    static QByteArray reasonPhrase(int status);
};

} // namespace qsoketi
