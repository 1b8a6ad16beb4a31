// SPDX-License-Identifier: GPL-3.0-or-later
#include "ConnectionAcceptor.h"

namespace qsoketi {

ConnectionAcceptor::ConnectionAcceptor(std::function<void(qintptr)> handOff, QObject *parent)
    : QTcpServer(parent)
    , m_handOff(std::move(handOff))
{}

void ConnectionAcceptor::incomingConnection(qintptr descriptor)
{
    m_handOff(descriptor);
}

} // namespace qsoketi
