// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/UserSessions.h"

#include <variant>

#include <QDateTime>
#include <QJsonObject>
#include <QPointer>

#include "adapter/ClusterView.h"
#include "apps/AppSecrets.h"
#include "auth/ChannelAuthorizer.h"
#include "channels/AppState.h"
#include "logging/LogCategories.h"
#include "logging/LogText.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherErrorCode.h"
#include "protocol/PusherMessages.h"
#include "server/Connection.h"
#include "server/Fanout.h"

namespace qsoketi {

namespace {

const QString watchlistChannelPrefix = QStringLiteral("#watchlist-");

} // namespace

UserSessions::UserSessions(ClusterView &cluster, Fanout &fanout)
    : m_cluster(cluster)
    , m_fanout(fanout)
{}

bool UserSessions::isWatchlistChannel(const QString &channel)
{
    return channel.startsWith(watchlistChannelPrefix);
}

void UserSessions::signIn(Connection *c, const IncomingMessage &m)
{
    AppState &app = *c->appState;
    const QJsonObject data = m.data.toObject();
    if (!data.value(QLatin1String("user_data")).isString() || !data.value(QLatin1String("auth")).isString())
        return m_fanout.sendError(c, PusherErrorCode::Malformed,
            QStringLiteral("pusher:signin needs data.user_data and data.auth, both strings."));
    if (!c->userId.isEmpty())
        return m_fanout.sendError(c, PusherErrors::alreadySignedIn);
    const ChannelAuthorizer authorizer(
        app.app().key.toUtf8(), AppSecrets::accepted(app.app(), QDateTime::currentMSecsSinceEpoch()));
    auto result = authorizer.signIn(c->socketId(), data.value(QLatin1String("user_data")).toString(),
        data.value(QLatin1String("auth")).toString().toUtf8());
    if (const auto *refusal = std::get_if<AuthRefusal>(&result)) {
        qCDebug(lcWs).noquote() << "refused sign-in of" << c->socketId() << ':' << refusal->message
                                << (refusal->signedString.isEmpty()
                                           ? QString()
                                           : "the signed string should be " + LogText::quoted(refusal->signedString));
        return m_fanout.sendErrorAndClose(c, PusherErrorCode(refusal->status), refusal->message);
    }
    SignedInUser &user = std::get<SignedInUser>(result);
    c->userId = user.userId;
    c->signinDeadlineMs = 0;
    const bool cameOnline = app.signIn(user.userId, c);
    m_fanout.send(c, MessageCodec::event(u"pusher:signin_success", {}, MessageCodec::jsonValue(m.data)));
    c->watchlist = std::move(user.watchlist);
    for (const QString &watched : std::as_const(c->watchlist))
        app.watch(watched, c);
    if (!c->watchlist.isEmpty())
        sendInitialWatchlist(c);
    if (cameOnline)
        announcePresence(app, c->userId, true);
}

void UserSessions::sendInitialWatchlist(Connection *c)
{
    // Users online on other nodes count too.
    QPointer<Connection> guard(c);
    m_cluster.usersOnlineElsewhere(*c->appState, c->watchlist, [this, guard](const QSet<QString> &elsewhere) {
        if (!guard || !guard->isAttached() || guard->isClosing())
            return;
        QStringList online;
        for (const QString &watched : std::as_const(guard->watchlist))
            if (guard->appState->isUserOnline(watched) || elsewhere.contains(watched))
                online.append(watched);
        if (!online.isEmpty())
            m_fanout.send(guard, PusherMessages::watchlistEvent(u"online", online));
    });
}

void UserSessions::signOut(Connection *c)
{
    AppState &app = *c->appState;
    for (const QString &watched : std::as_const(c->watchlist))
        app.unwatch(watched, c);
    if (!c->userId.isEmpty() && app.signOut(c->userId, c))
        announcePresence(app, c->userId, false);
}

void UserSessions::announcePresence(AppState &app, const QString &userId, bool online)
{
    m_cluster.usersOnlineElsewhere(app, {userId}, [this, &app, userId, online](const QSet<QString> &elsewhere) {
        if (elsewhere.contains(userId) || app.isUserOnline(userId) != online)
            return; // another node has the user, or it changed again here: that change announces itself
        const QByteArray message = PusherMessages::watchlistEvent(online ? u"online" : u"offline", QStringList{userId});
        const auto watchers = app.watchersOf(userId);
        for (Connection *w : watchers)
            if (!(online && w->userId == userId))
                m_fanout.send(w, message);
        m_cluster.publish(app, watchlistChannelPrefix + userId, message, {});
    });
}

void UserSessions::deliverWatchlistEvent(AppState &app, const QString &channel, const QByteArray &message)
{
    const auto watchers = app.watchersOf(channel.mid(watchlistChannelPrefix.size()));
    for (Connection *w : watchers)
        m_fanout.send(w, message);
}

void UserSessions::terminate(AppState &app, const QString &userId)
{
    terminateHere(app, userId);
    m_cluster.terminateUserElsewhere(app, userId);
}

void UserSessions::terminateHere(AppState &app, const QString &userId)
{
    const QList<Connection *> connections = app.userConnections(userId);
    for (Connection *c : connections)
        m_fanout.sendErrorAndClose(c, PusherErrors::terminatedByApp);
}

} // namespace qsoketi
