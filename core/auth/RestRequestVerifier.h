// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace qsoketi {

// Pusher HTTP API request signing (auth_key, auth_timestamp, auth_version, body_md5, auth_signature).
// Stricter than soketi: the key must be the app's, the timestamp within ±600 s, body_md5 must match.
class RestRequestVerifier
{
public:
    struct Failure
    {
        int status;
        QString message;
        QByteArray signedString = {}; // a wrong signature: the string that should have been signed (no secret)
    };

    static constexpr qint64 maxClockSkewSeconds = 600;

    // path: as sent in the request line (including any path prefix), without the query.
    static std::optional<Failure> verify(QByteArrayView method, QStringView path,
        const QList<QPair<QString, QString>> &query, QByteArrayView body, QStringView appKey, QByteArrayView appSecret,
        qint64 nowSeconds);

    // The checks that need neither the body nor the secret: the auth parameters are there, the key is
    // the app's and the timestamp is fresh. verify() runs them first; RequestPrecheck runs them alone,
    // before a request body is read.
    static std::optional<Failure> verifyQuery(
        const QList<QPair<QString, QString>> &query, QStringView appKey, qint64 nowSeconds);

    // The one debug line (SOKETI_DEBUG) for a refused request: method, path, status and why, and for a wrong
    // signature the string that should have been signed (never the secret).
    static void logRefusal(QByteArrayView method, QStringView path, int status, const QString &message,
        const QByteArray &signedString = {});

    // The string Pusher signs: "METHOD\nPATH\nk1=v1&k2=v2" over the sorted parameters.
    static QByteArray stringToSign(
        QByteArrayView method, QStringView path, const QList<QPair<QString, QString>> &query);
};

} // namespace qsoketi
