// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include "config/ConfigSource.h"

namespace qsoketi {

// Converts one value to the type an option needs; on failure it adds exactly one error line, which starts
// with the value's source so the user knows what to edit.
class ValueReader final
{
public:
    ValueReader(
        const ConfigValue &value, const ConfigSource &source, bool secret, QStringList &errors, QStringList &warnings)
        : m_value(value)
        , m_source(source)
        , m_secret(secret)
        , m_errors(errors)
        , m_warnings(warnings)
    {}

    const QJsonValue &json() const { return m_value.json; }
    void fail(const QString &problem) const { m_errors.append(m_source.label() + QStringLiteral(": ") + problem); }
    void warn(const QString &problem) const { m_warnings.append(m_source.label() + QStringLiteral(": ") + problem); }
    void expected(const QString &what) const;

    bool boolean(bool &out) const;
    bool integer(int &out, qint64 min, qint64 max, const QString &what) const;
    bool port(quint16 &out) const;
    // A number >= min (or > min when exclusive).
    bool number(double &out, double min, bool exclusive, const QString &what) const;
    // Text; numbers are accepted as text (soketi turns numeric app ids into strings).
    bool string(QString &out) const;

    // Text as shown in a message: quoted, long values shortened.
    static QString quoted(const QString &text);
    // How a rejected value is shown. Secret settings only get their type, never their content.
    static QString describe(const ConfigValue &value, bool secret);

private:
    bool wholeNumber(qint64 &out) const;

    const ConfigValue &m_value;
    const ConfigSource &m_source;
    bool m_secret;
    QStringList &m_errors;
    QStringList &m_warnings;
};

} // namespace qsoketi
