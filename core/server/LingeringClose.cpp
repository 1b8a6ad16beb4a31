// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/LingeringClose.h"

#include <cerrno>

#include <QAbstractSocket>
#include <QSocketNotifier>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qsoketi {

void LingeringClose::start(QAbstractSocket *socket, QObject *owner)
{
    const qintptr fd = socket->socketDescriptor();
    if (fd < 0 || socket->state() != QAbstractSocket::ConnectedState)
        return;
    // Out of descriptors: Qt's plain close, as before.
    const int copy = ::fcntl(int(fd), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return;
    auto *lingering = new LingeringClose(copy, owner);
    // Qt may still hold unsent bytes (the close frame behind a backlog): the FIN waits until it is done.
    connect(socket, &QAbstractSocket::disconnected, lingering, &LingeringClose::shutDownWrite);
    connect(socket, &QObject::destroyed, lingering, &LingeringClose::shutDownWrite);
}

LingeringClose::LingeringClose(int fd, QObject *owner)
    : QObject(owner)
    , m_fd(fd)
    , m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this))
{
    connect(m_notifier, &QSocketNotifier::activated, this, &LingeringClose::drain);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &LingeringClose::finish);
    m_deadline.start(maxDurationMs);
}

LingeringClose::~LingeringClose()
{
    if (m_fd >= 0) {
        m_notifier->setEnabled(false); // before the descriptor goes
        ::close(m_fd);
    }
}

void LingeringClose::shutDownWrite()
{
    if (m_writeShut || m_fd < 0)
        return;
    m_writeShut = true;
    ::shutdown(m_fd, SHUT_WR);
}

void LingeringClose::drain()
{
    char buffer[16384];
    while (m_fd >= 0) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (n <= 0) // the client closed too (or the connection is gone): done
            return finish();
        m_drained += n;
        if (m_drained > maxDrainBytes)
            return finish();
    }
}

void LingeringClose::finish()
{
    if (m_fd < 0)
        return;
    m_deadline.stop();
    m_notifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
    deleteLater();
}

} // namespace qsoketi
