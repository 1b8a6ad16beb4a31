// SPDX-License-Identifier: GPL-3.0-or-later
#include "PayloadText.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace qsoketi {

QByteArray PayloadText::unwrapped(const QByteArray &payload)
{
    const QByteArray trimmed = payload.trimmed();
    if (!trimmed.startsWith('"'))
        return payload;
    // QJsonDocument reads only objects and arrays: wrap the string in an array to decode it.
    QJsonParseError error;
    const QJsonDocument wrapped = QJsonDocument::fromJson("[" + trimmed + "]", &error);
    if (error.error != QJsonParseError::NoError || wrapped.array().size() != 1 || !wrapped.array()[0].isString())
        return payload;
    return wrapped.array()[0].toString().toUtf8();
}

QString PayloadText::compact(const QByteArray &payload, int maxChars)
{
    if (payload.size() > maxDecodedBytes)
        return QString::fromUtf8(payload.left(maxChars)).simplified();
    const QByteArray inner = unwrapped(payload);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(inner, &error);
    const QString text = error.error == QJsonParseError::NoError ? QString::fromUtf8(doc.toJson(QJsonDocument::Compact))
                                                                 : QString::fromUtf8(inner).simplified();
    return text.size() > maxChars ? text.left(maxChars - 1) + QChar(0x2026) : text;
}

QString PayloadText::pretty(const QByteArray &payload)
{
    const QByteArray inner = unwrapped(payload);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(inner, &error);
    if (error.error == QJsonParseError::NoError)
        return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
    return QString::fromUtf8(inner);
}

} // namespace qsoketi
