// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QStringView>

namespace qsoketi {

// An HTTP answer before it is written to the socket (REST API, metrics port, transport refusals).
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
