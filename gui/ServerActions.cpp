// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerActions.h"

#include <QCoreApplication>
#include <QList>
#include <QPointer>

#include "ServerCore.h"
#include "ServerWorker.h"
#include "apps/AppDirectory.h"
#include "channels/AppState.h"
#include "channels/Channel.h"
#include "channels/ChannelService.h"
#include "server/Connection.h"
#include "server/PusherServer.h"

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

void ServerActions::onEveryWorker(const std::function<int(PusherServer &)> &work, Done done)
{
    // Each worker closes its own connections on its own thread; the counts are summed back here.
    struct Tally
    {
        int pending = 0;
        int closed = 0;
        bool unknownApp = true;
    };
    auto tally = std::make_shared<Tally>();
    tally->pending = m_core.workerCount();
    const Done add = onThisThread([tally, done = std::move(done)](int closed) {
        if (closed >= 0) {
            tally->unknownApp = false;
            tally->closed += closed;
        }
        if (--tally->pending == 0 && done)
            done(tally->unknownApp ? -1 : tally->closed);
    });
    for (int i = 0; i < m_core.workerCount(); ++i) {
        ServerWorker *worker = &m_core.worker(i);
        QMetaObject::invokeMethod(worker, [worker, work, add] { add(work(worker->pusher())); });
    }
}

void ServerActions::disconnectMember(const QString &appId, const QString &channel, const QString &userId, Done done)
{
    onEveryWorker(
        [appId, channel, userId](PusherServer &server) {
            AppState *state = server.appState(appId);
            const Channel *ch = state ? state->channel(channel) : nullptr;
            if (!ch)
                return state ? 0 : -1;
            QList<QPointer<Connection>> members;
            for (Connection *c : ch->subscribers()) {
                const Connection::Subscription *s = c->subscription(channel);
                if (s && s->presenceUserId == userId)
                    members.append(c);
            }
            return closeAll(members);
        },
        std::move(done));
}

void ServerActions::disconnectSocket(const QString &appId, const QString &socketId, Done done)
{
    onEveryWorker(
        [appId, socketId](PusherServer &server) {
            AppState *state = server.appState(appId);
            if (!state)
                return -1;
            // Sockets are found through their channels: a rare click, not worth an index in the engine.
            for (const auto &entry : state->channels())
                for (Connection *c : entry.second->subscribers())
                    if (c->socketId() == socketId)
                        return closeAll({QPointer<Connection>(c)});
            return 0;
        },
        std::move(done));
}

} // namespace qsoketi
