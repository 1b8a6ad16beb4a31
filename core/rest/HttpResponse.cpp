// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol/MessageCodec.h"
#include "rest/HttpRequest.h"

namespace qsoketi {

HttpResponse HttpResponse::error(int status, QStringView message)
{
    QByteArray body("{\"error\":");
    MessageCodec::appendJsonString(body, message);
    body.append(",\"code\":");
    body.append(QByteArray::number(status));
    body.append('}');
    return json(status, body);
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    }
    return QByteArrayLiteral("Unknown");
}

} // namespace qsoketi
