// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Cross-node publish latency, the same way for every broker: from the publish call on one node to the
// frame read by a WebSocket client of another, one event at a time. Returns the sorted samples in µs
// (fewer than asked for when an event did not arrive within two seconds).
#include <algorithm>

#include <QElapsedTimer>
#include <QEventLoop>
#include <QList>
#include <QTest>
#include <QTimer>

#include "PusherTestClient.h"
#include "ServerCore.h"
#include "server/PusherServer.h"

namespace qsoketi::test {

inline QList<double> crossNodeLatencyMicros(ServerCore &from, ServerCore &to, int samples)
{
    PusherTestClient client(to.port());
    if (!QTest::qWaitFor([&] { return client.established(); }, 5000))
        return {};
    client.subscribe(QStringLiteral("timed"));
    if (!QTest::qWaitFor([&] { return client.has(QStringLiteral("pusher_internal:subscription_succeeded")); }, 5000))
        return {};
    AppState &app = *from.pusher().appState(QStringLiteral("app-id"));
    QList<double> micros;
    QElapsedTimer clock;
    QEventLoop loop;
    QObject::connect(&client.socket, &QWebSocket::textMessageReceived, &loop, [&](const QString &m) {
        if (m.contains(QLatin1String("\"event\":\"tick\""))) {
            micros.append(double(clock.nsecsElapsed()) / 1000.0);
            loop.quit();
        }
    });
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
    for (int i = 0; i < samples; ++i) {
        clock.start();
        from.pusher().publish(app, QStringLiteral("timed"), QStringLiteral("tick"), "{}", {});
        guard.start(2000);
        loop.exec();
    }
    std::sort(micros.begin(), micros.end());
    return micros;
}

} // namespace qsoketi::test
