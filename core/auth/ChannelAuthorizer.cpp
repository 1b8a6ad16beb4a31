// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/ChannelAuthorizer.h"

#include <QJsonArray>
#include <QJsonDocument>

#include "auth/HmacSigner.h"
#include "protocol/ChannelName.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherMessages.h"

namespace qsoketi {

namespace {

AuthRefusal unauthorized(QByteArray signedString)
{
    return AuthRefusal{
        QStringLiteral("AuthError"), QStringLiteral("The connection is unauthorized."), 401, std::move(signedString)};
}

} // namespace

ChannelAuthorizer::ChannelAuthorizer(QByteArrayView key, QByteArrayView secret)
    : ChannelAuthorizer(key, QByteArrayList{secret.toByteArray()})
{}

ChannelAuthorizer::ChannelAuthorizer(QByteArrayView key, QByteArrayList secrets)
    : m_key(key.toByteArray())
    , m_secrets(std::move(secrets))
{}

QByteArray ChannelAuthorizer::channelStringToSign(QStringView socketId, QStringView channel, QStringView channelData)
{
    QString text = socketId.toString() + QLatin1Char(':') + channel.toString();
    if (!channelData.isNull())
        text += QLatin1Char(':') + channelData.toString();
    return text.toUtf8();
}

QByteArray ChannelAuthorizer::userStringToSign(QStringView socketId, QStringView userData)
{
    return (socketId.toString() + QStringLiteral("::user::") + userData.toString()).toUtf8();
}

bool ChannelAuthorizer::verify(const QByteArray &auth, const QByteArray &signedString) const
{
    for (const QByteArray &secret : m_secrets) {
        if (HmacSigner::verifyAuth(auth, m_key, secret, signedString))
            return true;
    }
    return false;
}

std::variant<ChannelGrant, AuthRefusal> ChannelAuthorizer::authorizeSubscription(
    QStringView socketId, const QString &channel, const QJsonObject &data) const
{
    const ChannelName::Type type = ChannelName::type(channel);
    if (type == ChannelName::Type::Public)
        return ChannelGrant{};
    const QByteArray auth = data.value(QLatin1String("auth")).toString().toUtf8();
    if (type != ChannelName::Type::Presence) {
        const QByteArray signedString = channelStringToSign(socketId, channel);
        if (!verify(auth, signedString))
            return unauthorized(signedString);
        return ChannelGrant{};
    }
    // Presence: channel_data is signed as sent (a string); an object is signed as its compact JSON.
    const QJsonValue channelDataValue = data.value(QLatin1String("channel_data"));
    const QString channelData = channelDataValue.isString()
        ? channelDataValue.toString()
        : QString::fromUtf8(MessageCodec::jsonValue(channelDataValue));
    const QByteArray signedString = channelStringToSign(socketId, channel, channelData);
    if (!verify(auth, signedString))
        return unauthorized(signedString);
    const QJsonObject member = QJsonDocument::fromJson(channelData.toUtf8()).object();
    ChannelGrant grant{{}, member.value(QLatin1String("user_id")), member.value(QLatin1String("user_info"))};
    grant.userId = PusherMessages::userIdString(grant.userIdJson);
    if (grant.userId.isEmpty())
        return AuthRefusal{QStringLiteral("ServerError"),
            QStringLiteral("The channel_data must be a JSON object with a user_id."), 4302, {}};
    return grant;
}

std::variant<SignedInUser, AuthRefusal> ChannelAuthorizer::signIn(
    QStringView socketId, const QString &userData, const QByteArray &auth) const
{
    const QByteArray signedString = userStringToSign(socketId, userData);
    if (!verify(auth, signedString))
        return AuthRefusal{{}, QStringLiteral("Connection not authorized."), 4009, signedString};
    const QJsonObject user = QJsonDocument::fromJson(userData.toUtf8()).object();
    SignedInUser result{PusherMessages::userIdString(user.value(QLatin1String("id"))), {}};
    if (result.userId.isEmpty())
        return AuthRefusal{{}, QStringLiteral("The returned user data must contain the \"id\" field."), 4009, {}};
    for (const QJsonValue &v : user.value(QLatin1String("watchlist")).toArray()) {
        const QString watched = PusherMessages::userIdString(v);
        if (!watched.isEmpty() && !result.watchlist.contains(watched))
            result.watchlist.append(watched);
    }
    return result;
}

} // namespace qsoketi
