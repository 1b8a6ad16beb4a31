// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QTcpSocket;
class QWebSocket;

namespace qsoketi {

// QWebSocket re-emits several of its socket's and frame parser's signals as its own (signal-to-signal
// connections made for every socket). The server listens to none of them, and each costs an idle
// connection ~90 bytes (heaptrack): they are disconnected at admission. Only public signals are named;
// QtWebSockets' own handling (state, data, ping, pong, close) is left connected.
class WebSocketRelays
{
public:
    // Returns how many relays were found and dropped (7 with Qt 6.4: a test notices when Qt changes).
    static int dropUnused(QWebSocket *socket, QTcpSocket *tcp);
};

} // namespace qsoketi
