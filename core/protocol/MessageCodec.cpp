// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol/MessageCodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace qsoketi {

std::optional<IncomingMessage> MessageCodec::parse(const QByteArray &utf8, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("The message is not valid JSON: ") + parseError.errorString();
        return std::nullopt;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("The message must be a JSON object.");
        return std::nullopt;
    }
    const QJsonObject obj = doc.object();
    const QJsonValue event = obj.value(QLatin1String("event"));
    if (!event.isString() || event.toString().isEmpty()) {
        *error = QStringLiteral("The message must have a string \"event\" field.");
        return std::nullopt;
    }
    IncomingMessage msg;
    msg.event = event.toString();
    const QJsonValue channel = obj.value(QLatin1String("channel"));
    if (channel.isString())
        msg.channel = channel.toString();
    else
        msg.channelIsString = channel.isUndefined() || channel.isNull();
    msg.data = obj.value(QLatin1String("data"));
    // Some clients send protocol data as a JSON-encoded string: accept both forms for pusher:* events.
    if (msg.data.isString() && msg.event.startsWith(QLatin1String("pusher:"))) {
        const QJsonDocument inner = QJsonDocument::fromJson(msg.data.toString().toUtf8());
        if (inner.isObject())
            msg.data = inner.object();
    }
    return msg;
}

void MessageCodec::appendJsonString(QByteArray &out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = text.toUtf8();
    out.reserve(out.size() + utf8.size() + 2);
    out.append('"');
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        default:
            if (c < 0x20) {
                const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
                out.append(esc, 6);
            } else {
                out.append(ch);
            }
        }
    }
    out.append('"');
}

QByteArray MessageCodec::jsonString(QStringView text)
{
    QByteArray out;
    appendJsonString(out, text);
    return out;
}

QByteArray MessageCodec::jsonValue(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return jsonString(value.toString());
    case QJsonValue::Object:
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    case QJsonValue::Array:
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    case QJsonValue::Bool:
        return value.toBool() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
    case QJsonValue::Double: {
        // Wrap in an array to reuse Qt's number formatting, then strip the brackets.
        QByteArray a = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
        return a.mid(1, a.size() - 2);
    }
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QByteArrayLiteral("null");
    }
    return QByteArrayLiteral("null");
}

qsizetype MessageCodec::payloadSize(const QJsonValue &value)
{
    if (value.isString())
        return value.toString().toUtf8().size();
    return jsonValue(value).size();
}

QByteArray MessageCodec::event(QStringView event, QStringView channel, QByteArrayView dataJson, QStringView userId)
{
    QByteArray out;
    out.reserve(dataJson.size() + event.size() + channel.size() + 48);
    out.append("{\"event\":");
    appendJsonString(out, event);
    if (!channel.isNull()) {
        out.append(",\"channel\":");
        appendJsonString(out, channel);
    }
    if (!dataJson.isNull()) {
        out.append(",\"data\":");
        out.append(dataJson);
    }
    if (!userId.isNull()) {
        out.append(",\"user_id\":");
        appendJsonString(out, userId);
    }
    out.append('}');
    return out;
}

QByteArray MessageCodec::error(int code, QStringView message, QStringView channel)
{
    QByteArray data("{\"code\":");
    data.append(code > 0 ? QByteArray::number(code) : QByteArrayLiteral("null"));
    data.append(",\"message\":");
    appendJsonString(data, message);
    data.append('}');
    return event(u"pusher:error", channel, data);
}

QByteArray MessageCodec::subscriptionError(QStringView channel, QStringView type, QStringView error, int status)
{
    QByteArray data("{");
    if (!type.isEmpty()) {
        data.append("\"type\":");
        appendJsonString(data, type);
        data.append(',');
    }
    data.append("\"error\":");
    appendJsonString(data, error);
    data.append(",\"status\":");
    data.append(QByteArray::number(status));
    data.append('}');
    return event(u"pusher:subscription_error", channel, data);
}

} // namespace qsoketi
