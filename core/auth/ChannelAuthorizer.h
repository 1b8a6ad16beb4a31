// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <variant>

#include <QByteArray>
#include <QByteArrayList>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace qsoketi {

// What a channel subscription may do once its signature holds.
struct ChannelGrant
{
    QString userId; // presence channels: the member's id as a string; empty otherwise
    QJsonValue userIdJson; // the id as the client sent it (string or number)
    QJsonValue userInfo;
};

// A signed-in user (pusher:signin).
struct SignedInUser
{
    QString userId;
    QStringList watchlist; // distinct user ids, in the order given
};

// Why a subscription or a sign-in was refused: pusher:subscription_error's type and status, or the
// pusher:error code for sign-in. `signedString` is the text that should have been signed (for debug
// logs; it holds no secret).
struct AuthRefusal
{
    QString type; // AuthError, ServerError
    QString message;
    int status = 401;
    QByteArray signedString;
};

// Pusher's channel and user authentication (private-, private-encrypted-, presence- channels and
// pusher:signin): checks the HMAC-SHA256 `auth` of the app's key and secret, and parses presence
// `channel_data` and sign-in `user_data`. Pure: no state, no I/O, table-tested with Pusher's vectors.
class ChannelAuthorizer
{
public:
    ChannelAuthorizer(QByteArrayView key, QByteArrayView secret);
    // Any of several secrets signs validly (the grace period of a secret rotation).
    ChannelAuthorizer(QByteArrayView key, QByteArrayList secrets);

    // `data` is the pusher:subscribe data object ({channel, auth, channel_data}). Public channels
    // are always granted.
    std::variant<ChannelGrant, AuthRefusal> authorizeSubscription(
        QStringView socketId, const QString &channel, const QJsonObject &data) const;
    std::variant<SignedInUser, AuthRefusal> signIn(
        QStringView socketId, const QString &userData, const QByteArray &auth) const;

    // The strings Pusher signs.
    static QByteArray channelStringToSign(QStringView socketId, QStringView channel, QStringView channelData = {});
    static QByteArray userStringToSign(QStringView socketId, QStringView userData);

private:
    bool verify(const QByteArray &auth, const QByteArray &signedString) const;

    QByteArray m_key;
    QByteArrayList m_secrets;
};

} // namespace qsoketi
