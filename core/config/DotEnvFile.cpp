// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/DotEnvFile.h"

#include <QFile>

namespace qsoketi {

namespace {

bool isKeyChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'.' || c == u'-';
}

bool isBlank(QChar c)
{
    return c == u' ' || c == u'\t';
}

} // namespace

QMap<QString, QString> DotEnvFile::read(const QString &path, QStringList *warnings)
{
    QFile file(path);
    if (!file.exists()) {
        return {};
    }
    if (!file.open(QIODevice::ReadOnly)) {
        if (warnings) {
            warnings->append(QStringLiteral("%1: cannot be read (%2); ignored").arg(path, file.errorString()));
        }
        return {};
    }
    return parse(file.readAll(), path, warnings);
}

QMap<QString, QString> DotEnvFile::parse(const QByteArray &content, const QString &fileLabel, QStringList *warnings)
{
    QString text = QString::fromUtf8(content);
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    const qsizetype n = text.size();
    QMap<QString, QString> values;
    qsizetype pos = 0;
    int line = 1;

    const auto skipToEndOfLine = [&] {
        while (pos < n && text.at(pos) != u'\n') {
            ++pos;
        }
    };

    while (pos < n) {
        while (pos < n && isBlank(text.at(pos))) {
            ++pos;
        }
        if (pos >= n) {
            break;
        }
        if (text.at(pos) == u'\n') {
            ++pos;
            ++line;
            continue;
        }
        if (text.at(pos) == u'#') {
            skipToEndOfLine();
            continue;
        }
        if (text.mid(pos, 7) == QLatin1String("export ") || text.mid(pos, 7) == QLatin1String("export\t")) {
            pos += 7;
            while (pos < n && isBlank(text.at(pos))) {
                ++pos;
            }
        }
        const qsizetype keyStart = pos;
        while (pos < n && isKeyChar(text.at(pos))) {
            ++pos;
        }
        const QString key = text.mid(keyStart, pos - keyStart);
        while (pos < n && isBlank(text.at(pos))) {
            ++pos;
        }
        if (key.isEmpty() || pos >= n || text.at(pos) != u'=') {
            if (warnings) {
                warnings->append(QStringLiteral("%1 line %2: not a KEY=VALUE line; ignored").arg(fileLabel).arg(line));
            }
            skipToEndOfLine();
            continue;
        }
        ++pos; // '='
        while (pos < n && isBlank(text.at(pos))) {
            ++pos;
        }

        QString value;
        bool quoted = false;
        if (pos < n && (text.at(pos) == u'"' || text.at(pos) == u'\'' || text.at(pos) == u'`')) {
            const QChar quote = text.at(pos);
            qsizetype end = pos + 1;
            int newlines = 0;
            // Like dotenv, a backslash before the quote character does not close the value.
            while (end < n && text.at(end) != quote) {
                if (text.at(end) == u'\\' && end + 1 < n && text.at(end + 1) == quote) {
                    ++end;
                } else if (text.at(end) == u'\n') {
                    ++newlines;
                }
                ++end;
            }
            if (end < n) {
                quoted = true;
                value = text.mid(pos + 1, end - pos - 1);
                if (quote == u'"') {
                    value.replace(QStringLiteral("\\n"), QStringLiteral("\n"));
                    value.replace(QStringLiteral("\\r"), QStringLiteral("\r"));
                }
                pos = end + 1;
                line += newlines;
                skipToEndOfLine(); // trailing comment (or anything else) after the closing quote
            }
        }
        if (!quoted) {
            // dotenv falls back to the unquoted form when a quote is never closed.
            const qsizetype start = pos;
            while (pos < n && text.at(pos) != u'\n' && text.at(pos) != u'#') {
                ++pos;
            }
            value = text.mid(start, pos - start).trimmed();
            skipToEndOfLine();
        }
        values.insert(key, value);
    }
    return values;
}

} // namespace qsoketi
