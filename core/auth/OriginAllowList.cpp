// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/OriginAllowList.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace qsoketi {

namespace {

struct Parts
{
    QString scheme; // empty: any
    QString host;
    QString port; // empty: the scheme's default
};

Parts split(QString text)
{
    Parts parts;
    text = text.trimmed().toLower();
    while (text.endsWith(u'/'))
        text.chop(1);
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    if (schemeEnd >= 0) {
        parts.scheme = text.left(schemeEnd);
        text = text.mid(schemeEnd + 3);
    }
    // The port follows the last ':' outside an IPv6 literal ("[::1]:8080").
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon >= 0 && colon > text.lastIndexOf(u']')) {
        parts.port = text.mid(colon + 1);
        text.truncate(colon);
    }
    parts.host = text;
    const bool tls = parts.scheme == QLatin1String("https") || parts.scheme == QLatin1String("wss");
    if (parts.port == QLatin1String(tls ? "443" : "80") && !parts.scheme.isEmpty())
        parts.port.clear(); // browsers leave the default port out of Origin
    return parts;
}

bool matches(const QString &entry, const Parts &origin)
{
    if (entry == QLatin1String("*"))
        return true;
    if (entry == QLatin1String("null"))
        return origin.host == QLatin1String("null") && origin.scheme.isEmpty();
    const Parts allowed = split(entry);
    if (!allowed.scheme.isEmpty() && allowed.scheme != origin.scheme)
        return false;
    if (allowed.port != origin.port)
        return false;
    if (allowed.host.startsWith(QLatin1String("*."))) {
        const QStringView domain = QStringView(allowed.host).mid(1); // ".example.com"
        return origin.host.size() > domain.size() && origin.host.endsWith(domain);
    }
    return allowed.host == origin.host;
}

} // namespace

bool OriginAllowList::allows(const QStringList &allowed, const QString &origin)
{
    if (allowed.isEmpty() || origin.isEmpty())
        return true;
    const Parts parts = split(origin);
    for (const QString &entry : allowed)
        if (matches(entry, parts))
            return true;
    return false;
}

QStringList OriginAllowList::parse(const QString &text)
{
    QStringList entries;
    const QString trimmed = text.trimmed();
    if (trimmed.startsWith(u'[')) {
        for (const QJsonValue &value : QJsonDocument::fromJson(trimmed.toUtf8()).array())
            entries.append(value.toString());
    } else {
        static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
        entries = trimmed.split(separators, Qt::SkipEmptyParts);
    }
    QStringList out;
    for (const QString &entry : std::as_const(entries)) {
        QString clean = entry.trimmed().toLower();
        while (clean.endsWith(u'/'))
            clean.chop(1);
        if (!clean.isEmpty() && !out.contains(clean))
            out.append(clean);
    }
    return out;
}

QString OriginAllowList::checkEntry(const QString &entry)
{
    static const QRegularExpression form(
        QStringLiteral("^(\\*|null|([a-z][a-z0-9+.-]*://"
                       ")?(\\*\\.)?([a-z0-9_-]+(\\.[a-z0-9_-]+)*|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?)$"),
        QRegularExpression::CaseInsensitiveOption);
    if (form.match(entry).hasMatch())
        return {};
    return QStringLiteral("%1 is not an origin; write * or scheme://host[:port], with *. in front of the host for "
                          "its subdomains (https://*.example.com)")
        .arg(entry.left(100));
}

} // namespace qsoketi
