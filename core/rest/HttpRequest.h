// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

// Transitional: RestApi.h (being rewritten for issue 8) and its users still get HttpResponse through
// this header; drop the include once they include rest/HttpResponse.h themselves.
#include "rest/HttpResponse.h"

namespace qsoketi {

// One parsed HTTP/1.1 request as the REST API sees it.
struct HttpRequest
{
    QByteArray method; // upper case
    QString path; // percent-decoded path, without the query
    QByteArray rawPath; // path as sent (what a signature covers)
    QList<QPair<QString, QString>> query; // decoded, in order
    QHash<QByteArray, QByteArray> headers; // names lower-cased; repeated fields joined with ", "
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

} // namespace qsoketi
