// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace qsoketi {

// A parsed client frame: `{"event": …, "channel": …, "data": …}`.
struct IncomingMessage
{
    QString event;
    QString channel; // empty when absent
    QJsonValue data; // Undefined when absent
    bool channelIsString = true;
};

// Pure conversions between Pusher protocol frames and bytes. Outgoing frames are built by hand from
// already-encoded JSON pieces so a broadcast is encoded exactly once.
class MessageCodec
{
public:
    // nullopt with *error set for anything that is not a JSON object with a string "event".
    static std::optional<IncomingMessage> parse(const QByteArray &utf8, QString *error);

    // `{"event":E[,"channel":C],"data":D[,"user_id":U]}`; dataJson is an encoded JSON value.
    static QByteArray event(QStringView event, QStringView channel, QByteArrayView dataJson, QStringView userId = {});
    // `{"event":"pusher:error","data":{"code":N,"message":M}}` (+ "channel" for client-event errors).
    // code 0 is sent as null: Pusher's answer to a malformed message, which has no protocol code.
    static QByteArray error(int code, QStringView message, QStringView channel = {});
    // `{"event":"pusher:subscription_error","channel":C,"data":{"type":T,"error":E,"status":S}}`
    static QByteArray subscriptionError(QStringView channel, QStringView type, QStringView error, int status);

    static QByteArray jsonString(QStringView text);
    static void appendJsonString(QByteArray &out, QStringView text);
    static QByteArray jsonValue(const QJsonValue &value);
    // Pusher's size rule: UTF-8 length of a string, else the length of the JSON encoding.
    static qsizetype payloadSize(const QJsonValue &value);
};

} // namespace qsoketi
