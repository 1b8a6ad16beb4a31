// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QTcpServer>

namespace qsoketi {

// The main port's listener. It only accepts: each new connection's socket descriptor goes to
// `handOff`, which deals it to a worker, where the socket object (and any TLS handshake) is made on
// the thread that will serve it. One acceptor rather than SO_REUSEPORT listeners per worker: the
// kernel's hash may put a handful of clients all on one worker, while dealing in turn spreads even a
// few evenly and places them predictably (docs/architecture.md, "Workers").
class ConnectionAcceptor final : public QTcpServer
{
    Q_OBJECT

public:
    explicit ConnectionAcceptor(std::function<void(qintptr)> handOff, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::function<void(qintptr)> m_handOff;
};

} // namespace qsoketi
