// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include "config/ServerConfig.h"

namespace qsoketi {

// One connection to NATS through the cnats C client, subscribed to a fixed set of subjects. cnats runs
// its own threads (connect, reader, one dispatcher per subscription) and calls back on them: every
// callback is copied and posted to this object's thread, so everything this class emits happens on
// the Qt thread, and nothing here blocks it (the first connect runs on a worker thread; publishing only
// appends to cnats' buffer). On loss cnats reconnects forever (1 s apart) and re-subscribes; each
// loss and each recovery is logged once.
class NatsConnection : public QObject
{
    Q_OBJECT

public:
    NatsConnection(const AdapterConfig &config, QList<QByteArray> subjects, QObject *parent = nullptr);
    ~NatsConnection() override;

    void open();
    // Connected, subjects subscribed.
    bool isReady() const { return m_ready; }
    // Queues a message; false when there is no connection.
    bool publish(const QByteArray &subject, const QByteArray &body);

signals:
    // After every (re)connect, once the subscriptions are in place; and when the connection is lost.
    void readyChanged(bool ready);
    void message(const QByteArray &subject, const QByteArray &payload);

private:
    struct Relay;
    struct Handles;

    void adopt(std::shared_ptr<Handles> handles, bool connected);
    void setReady(bool ready, const QString &why);

    const AdapterConfig &m_config;
    QList<QByteArray> m_subjects;
    Relay *m_relay; // shared with cnats' threads; frees itself after the last callback
    std::shared_ptr<Handles> m_handles;
    bool m_ready = false;
    bool m_opened = false;
};

} // namespace qsoketi
