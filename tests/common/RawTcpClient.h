// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A loopback TCP client for socket-level tests of a server running in the same thread: plain POSIX,
// non-blocking, and it runs the Qt event loop while it waits. It keeps nothing in user space that the
// kernel did not accept, so a flood of many megabytes costs the test process no memory and its RSS is
// the server's. It can also do what QTcpSocket cannot: half-close (shutdown(SHUT_WR)).
#include <cerrno>
#include <functional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qsoketi {

class RawTcpClient
{
public:
    explicit RawTcpClient(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // Blocking connect: the kernel completes a loopback handshake without the server's event loop.
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ::close(m_fd);
            m_fd = -1;
            return;
        }
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    }
    ~RawTcpClient() { close(); }
    RawTcpClient(const RawTcpClient &) = delete;
    RawTcpClient &operator=(const RawTcpClient &) = delete;

    bool isConnected() const { return m_fd >= 0; }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

    // Sends what the kernel takes now (without waiting); returns the bytes sent, -1 on error.
    qint64 sendSome(QByteArrayView data)
    {
        const ssize_t n = ::send(m_fd, data.data(), size_t(data.size()), MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        return n;
    }

    // Sends all of `data`, running the event loop while the kernel buffers are full.
    bool sendAll(const QByteArray &bytes, int timeoutMs = 10000)
    {
        QByteArrayView data(bytes);
        QElapsedTimer timer;
        timer.start();
        while (!data.isEmpty()) {
            const qint64 n = sendSome(data);
            if (n < 0 || timer.elapsed() > timeoutMs)
                return false;
            data = data.sliced(n);
            if (n == 0)
                QTest::qWait(2);
        }
        return true;
    }

    // Sends `pattern` again and again, never reading, until `total` bytes went out or the kernel took
    // nothing for `stallMs` while the event loop ran. `onIdle` runs between attempts. Returns bytes sent.
    qint64 flood(const QByteArray &pattern, qint64 total, int stallMs, const std::function<void()> &onIdle = {})
    {
        // Whole requests per send: the offset into the pattern carries over between partial sends.
        QByteArray block;
        while (block.size() < 64 * 1024)
            block += pattern;
        qint64 sent = 0;
        QElapsedTimer sinceProgress;
        sinceProgress.start();
        while (sent < total && sinceProgress.elapsed() < stallMs) {
            const qsizetype offset = qsizetype(sent % pattern.size());
            const qint64 n =
                sendSome(QByteArrayView(block).sliced(offset, qMin<qint64>(block.size() - offset, total - sent)));
            if (n < 0)
                break;
            if (n > 0) {
                sent += n;
                sinceProgress.restart();
            }
            if (onIdle)
                onIdle();
            QTest::qWait(1);
        }
        return sent;
    }

    void shutdownWrite() { ::shutdown(m_fd, SHUT_WR); }

    // Reads into received() until `done(received())`, the peer closes, or timeoutMs; runs the event loop.
    bool readUntil(const std::function<bool(const QByteArray &)> &done, int timeoutMs = 5000)
    {
        QElapsedTimer timer;
        timer.start();
        char chunk[64 * 1024];
        while (!done(m_received)) {
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                m_received.append(chunk, n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                m_peerClosed = true;
                return done(m_received);
            }
            if (timer.elapsed() > timeoutMs)
                return false;
            QTest::qWait(2);
        }
        return true;
    }
    // Reads until the peer closes the connection (or timeoutMs).
    bool readUntilClosed(int timeoutMs = 5000)
    {
        return readUntil([this](const QByteArray &) { return m_peerClosed; }, timeoutMs) || m_peerClosed;
    }
    // Discards what arrived so far (for clients that read answers in bulk).
    qint64 drain()
    {
        char chunk[64 * 1024];
        qint64 total = 0;
        ssize_t n;
        while ((n = ::recv(m_fd, chunk, sizeof chunk, 0)) > 0)
            total += n;
        if (n == 0)
            m_peerClosed = true;
        return total;
    }

    const QByteArray &received() const { return m_received; }
    bool peerClosed() const { return m_peerClosed; }

    // The status of the first answer in received(), 0 if none yet.
    int firstStatus() const
    {
        if (!m_received.startsWith("HTTP/1.1 ") || m_received.size() < 12)
            return 0;
        return m_received.mid(9, 3).toInt();
    }
    // Whether received() holds one complete answer (head and Content-Length body).
    static bool hasCompleteAnswer(const QByteArray &data)
    {
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const qsizetype at = data.first(end).toLower().indexOf("\r\ncontent-length: ");
        const qint64 length = at < 0 ? 0 : data.mid(at + 18, data.indexOf("\r\n", at + 2) - at - 18).toLongLong();
        return data.size() >= end + 4 + length;
    }

private:
    int m_fd = -1;
    bool m_peerClosed = false;
    QByteArray m_received;
};

} // namespace qsoketi
