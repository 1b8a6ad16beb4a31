// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerActions.h"

#include <QCoreApplication>
#include <QList>
#include <QPointer>

#include "ServerCore.h"
#include "apps/AppDirectory.h"
#include "channels/AppState.h"
#include "channels/Channel.h"
#include "channels/ChannelService.h"
#include "server/Connection.h"

namespace qsoketi {

namespace {

const QString closedReason = QStringLiteral("Disconnected from the qsoketi dashboard.");
constexpr int closeCode = 4009; // Pusher's "unauthorized": clients do not reconnect on their own

int closeAll(const QList<QPointer<Connection>> &connections)
{
    int closed = 0;
    // Collected first: a close may change the channel's subscriber list (and drop the channel).
    for (const QPointer<Connection> &c : connections) {
        if (c && !c->isClosing()) {
            c->closeWith(closeCode, closedReason);
            ++closed;
        }
    }
    return closed;
}

} // namespace

ServerActions::ServerActions(ServerCore &core, QObject *parent)
    : QObject(parent)
    , m_core(core)
{}

ServerActions::~ServerActions()
{
    *m_alive = false;
}

ServerActions::Done ServerActions::onThisThread(Done done) const
{
    // Back through the application object (which outlives this one); `alive` is read on this thread.
    return [alive = m_alive, done = std::move(done)](int closed) {
        QMetaObject::invokeMethod(QCoreApplication::instance(), [alive, done, closed] {
            if (*alive && done)
                done(closed);
        });
    };
}

void ServerActions::terminateUser(const QString &appId, const QString &userId, Done done)
{
    ServerCore *core = &m_core;
    QMetaObject::invokeMethod(core, [core, appId, userId, answer = onThisThread(std::move(done))] {
        core->appDirectory().findById(appId, [core, userId, answer](const AppPtr &app) {
            if (!app || !app->enabled)
                return answer(-1);
            core->channels().terminateUserConnections(core->channels().appStateFor(app), userId);
            answer(0);
        });
    });
}

void ServerActions::disconnectMember(const QString &appId, const QString &channel, const QString &userId, Done done)
{
    ServerCore *core = &m_core;
    QMetaObject::invokeMethod(core, [core, appId, channel, userId, answer = onThisThread(std::move(done))] {
        AppState *state = core->channels().appState(appId);
        const Channel *ch = state ? state->channel(channel) : nullptr;
        if (!ch)
            return answer(state ? 0 : -1);
        QList<QPointer<Connection>> members;
        for (Connection *c : ch->subscribers()) {
            const Connection::Subscription *s = c->subscription(channel);
            if (s && s->presenceUserId == userId)
                members.append(c);
        }
        answer(closeAll(members));
    });
}

void ServerActions::disconnectSocket(const QString &appId, const QString &socketId, Done done)
{
    ServerCore *core = &m_core;
    QMetaObject::invokeMethod(core, [core, appId, socketId, answer = onThisThread(std::move(done))] {
        AppState *state = core->channels().appState(appId);
        if (!state)
            return answer(-1);
        // Sockets are found through their channels: a rare click, not worth an index in the engine.
        for (const auto &entry : state->channels()) {
            for (Connection *c : entry.second->subscribers())
                if (c->socketId() == socketId)
                    return answer(closeAll({QPointer<Connection>(c)}));
        }
        answer(0);
    });
}

} // namespace qsoketi
