// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ValueReader.h"

#include <cmath>

namespace qsoketi {

namespace {

QString numberText(double d)
{
    if (std::isfinite(d) && std::floor(d) == d && std::abs(d) < 1e15) {
        return QString::number(static_cast<qint64>(d));
    }
    return QString::number(d);
}

} // namespace

QString ValueReader::quoted(const QString &text)
{
    const QString shown = text.size() > 60 ? text.left(57) + QStringLiteral("...") : text;
    return u'"' + shown + u'"';
}

QString ValueReader::describe(const ConfigValue &value, bool secret)
{
    const QJsonValue &json = value.json;
    switch (json.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return secret ? QStringLiteral("a boolean")
                      : (json.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    case QJsonValue::Double:
        if (secret) {
            return QStringLiteral("a number");
        }
        return value.hasText ? value.text.trimmed() : numberText(json.toDouble());
    case QJsonValue::String:
        return secret ? QStringLiteral("a string") : quoted(json.toString());
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

void ValueReader::expected(const QString &what) const
{
    fail(QStringLiteral("expected %1, got %2").arg(what, describe(m_value, m_secret)));
}

bool ValueReader::boolean(bool &out) const
{
    const QJsonValue &j = json();
    if (j.isBool()) {
        out = j.toBool();
        return true;
    }
    if (j.isDouble() && (j.toDouble() == 0 || j.toDouble() == 1)) {
        out = j.toDouble() == 1;
        return true;
    }
    if (j.isString()) {
        const QString s = j.toString().trimmed().toLower();
        if (s == QLatin1String("true") || s == QLatin1String("1")) {
            out = true;
            return true;
        }
        if (s == QLatin1String("false") || s == QLatin1String("0")) {
            out = false;
            return true;
        }
    }
    expected(QStringLiteral("true or false (or 1/0)"));
    return false;
}

bool ValueReader::integer(int &out, qint64 min, qint64 max, const QString &what) const
{
    qint64 v = 0;
    if (!wholeNumber(v) || v < min || v > max) {
        expected(what);
        return false;
    }
    out = static_cast<int>(v);
    return true;
}

bool ValueReader::port(quint16 &out) const
{
    int v = 0;
    if (!integer(v, 1, 65535, QStringLiteral("a port number 1-65535"))) {
        if (json().isString() && json().toString().startsWith(QLatin1String("tcp://"))) {
            // Kubernetes injects SOKETI_PORT=tcp://… for a Service named "soketi".
            m_errors.last() +=
                QStringLiteral(" (a Kubernetes/Docker service link; set the port explicitly or disable service links)");
        }
        return false;
    }
    out = static_cast<quint16>(v);
    return true;
}

bool ValueReader::number(double &out, double min, bool exclusive, const QString &what) const
{
    const QJsonValue &j = json();
    bool ok = false;
    double d = 0;
    if (j.isDouble()) {
        d = j.toDouble();
        ok = true;
    } else if (j.isString()) {
        d = j.toString().trimmed().toDouble(&ok);
    }
    if (!ok || !std::isfinite(d) || d < min || (exclusive && d == min)) {
        expected(what);
        return false;
    }
    out = d;
    return true;
}

bool ValueReader::string(QString &out) const
{
    const QJsonValue &j = json();
    if (j.isString()) {
        out = j.toString();
        return true;
    }
    if (j.isDouble()) {
        // The original text keeps long numeric ids/secrets exact.
        out = m_value.hasText ? m_value.text.trimmed() : numberText(j.toDouble());
        return true;
    }
    expected(QStringLiteral("a string"));
    return false;
}

bool ValueReader::wholeNumber(qint64 &out) const
{
    const QJsonValue &j = json();
    if (j.isDouble()) {
        const double d = j.toDouble();
        if (!std::isfinite(d) || std::floor(d) != d || std::abs(d) > 9007199254740992.0) {
            return false;
        }
        out = static_cast<qint64>(d);
        return true;
    }
    if (j.isString()) {
        bool ok = false;
        out = j.toString().trimmed().toLongLong(&ok);
        return ok;
    }
    return false;
}

} // namespace qsoketi
