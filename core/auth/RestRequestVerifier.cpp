// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/RestRequestVerifier.h"

#include <algorithm>

#include <QCryptographicHash>

#include "auth/HmacSigner.h"
#include "logging/LogCategories.h"
#include "logging/LogText.h"

namespace qsoketi {

QByteArray RestRequestVerifier::stringToSign(
    QByteArrayView method, QStringView path, const QList<QPair<QString, QString>> &query)
{
    QList<QPair<QString, QString>> params;
    params.reserve(query.size());
    for (const auto &kv : query)
        if (kv.first != QLatin1String("auth_signature"))
            params.append(kv);
    std::sort(params.begin(), params.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out = method.toByteArray().toUpper();
    out.append('\n');
    out.append(path.toUtf8());
    out.append('\n');
    bool first = true;
    for (const auto &[k, v] : params) {
        if (!first)
            out.append('&');
        first = false;
        out.append(k.toUtf8());
        out.append('=');
        out.append(v.toUtf8());
    }
    return out;
}

namespace {

std::optional<QString> param(const QList<QPair<QString, QString>> &query, QLatin1String name)
{
    for (const auto &kv : query)
        if (kv.first == name)
            return kv.second;
    return std::nullopt;
}

} // namespace

std::optional<RestRequestVerifier::Failure> RestRequestVerifier::verifyQuery(
    const QList<QPair<QString, QString>> &query, QStringView appKey, qint64 nowSeconds)
{
    const auto key = param(query, QLatin1String("auth_key"));
    const auto timestamp = param(query, QLatin1String("auth_timestamp"));
    const auto signature = param(query, QLatin1String("auth_signature"));
    if (!key || !timestamp || !signature)
        return Failure{401,
            QStringLiteral("The request must be signed: auth_key, auth_timestamp and auth_signature are required.")};
    if (*key != appKey)
        return Failure{401, QStringLiteral("The auth_key does not belong to this app.")};
    bool ok = false;
    const qint64 ts = timestamp->toLongLong(&ok);
    if (!ok || ts < nowSeconds - maxClockSkewSeconds || ts > nowSeconds + maxClockSkewSeconds)
        return Failure{401,
            QStringLiteral("The auth_timestamp is more than 600 seconds away from the server time; check the clock.")};
    return std::nullopt;
}

std::optional<RestRequestVerifier::Failure> RestRequestVerifier::verify(QByteArrayView method, QStringView path,
    const QList<QPair<QString, QString>> &query, QByteArrayView body, QStringView appKey, QByteArrayView appSecret,
    qint64 nowSeconds)
{
    if (auto failure = verifyQuery(query, appKey, nowSeconds))
        return failure;
    if (const auto md5 = param(query, QLatin1String("body_md5")); md5 || !body.isEmpty()) {
        const QByteArray actual = QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex();
        if (!md5 || !HmacSigner::equal(md5->toLatin1(), actual))
            return Failure{401, QStringLiteral("The body_md5 does not match the request body.")};
    }
    const QByteArray signedString = stringToSign(method, path, query);
    const QByteArray expected = HmacSigner::sign(appSecret, signedString);
    const auto signature = param(query, QLatin1String("auth_signature"));
    if (!HmacSigner::equal(signature->toLatin1(), expected))
        return Failure{401, QStringLiteral("The secret authentication failed"), signedString};
    return std::nullopt;
}

void RestRequestVerifier::logRefusal(
    QByteArrayView method, QStringView path, int status, const QString &message, const QByteArray &signedString)
{
    qCDebug(lcRest).noquote() << "refused" << method.toByteArray() << LogText::quoted(path.toString())
                              << QStringLiteral("(%1):").arg(status) << message
                              << (signedString.isEmpty()
                                         ? QString()
                                         : "; the signed string should be " + LogText::quoted(signedString));
}

} // namespace qsoketi
