// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QString>
#include <QThread>

#include "config/ServerConfig.h"

namespace qsoketi {

class ServerCore;

// A ServerCore on a thread of its own, with the epoll event dispatcher: what the desktop mode runs, so
// the window's event loop (which polls every socket it knows of on each wake-up, and paints) never sits
// between a client and the server. The core is made, started and destroyed on that thread; everything
// else talks to it through queued calls and signals (StatusSampler, the dashboard's event creator).
class ServerThread final
{
public:
    ServerThread();
    ~ServerThread(); // destroys the core on its thread, then stops the thread
    Q_DISABLE_COPY_MOVE(ServerThread)

    // Builds the core from config on the server thread and binds its ports; waits for both. On failure
    // returns false with ServerCore::start's one-line reason in *error (the core is gone again).
    bool start(const ServerConfig &config, QString *error);
    // Valid after a successful start(). Only its thread may call into it; read-only facts (ports, config,
    // start time) may be read from anywhere once start() has returned.
    ServerCore &core() { return *m_core; }

private:
    QThread m_thread;
    std::unique_ptr<QObject> m_anchor; // lives on m_thread: queued calls run there
    std::unique_ptr<ServerCore> m_core;
};

} // namespace qsoketi
