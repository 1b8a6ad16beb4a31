// SPDX-License-Identifier: GPL-3.0-or-later
// Echo round trips with N idle connections, Qt's default dispatcher against EpollEventDispatcher.
// Not a CTest test. The parent process is a plain POSIX client (no Qt event loop) pinned to CPU 0; for each
// run it spawns itself as the server (--serve) pinned to CPU 1, opens N idle connections (each one echoes
// once, so it is known to be accepted), then runs serial ping-pong on one extra connection: 300 warm-up
// round trips, then 5,000 round trips or 3 s, whichever comes first.
//
//   bench_eventloop [--dispatchers glib,unix,epoll,epoll-immediate] [--idle 0,1000,5000] [--runs 3]
//                   [--mode tcp|ws] [--flush]
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include "eventloop/EpollEventDispatcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace {

void pinToCpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

void raiseFdLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::vector<std::string> split(const std::string &text)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return parts;
}

// ---------------------------------------------------------------------------------------------------------
// Server (child process)

int serve(const std::string &dispatcher, const std::string &mode, bool flush, int argc, char **argv)
{
    pinToCpu(1);
    if (dispatcher == "epoll" || dispatcher == "epoll-immediate") {
        qsoketi::EpollEventDispatcher::Options options;
        options.deferControl = dispatcher == "epoll";
        QCoreApplication::setEventDispatcher(new qsoketi::EpollEventDispatcher(options));
    }
    QCoreApplication app(argc, argv);
    quint16 port = 0;
    QTcpServer tcpServer;
    QWebSocketServer wsServer(QStringLiteral("bench"), QWebSocketServer::NonSecureMode);
    if (mode == "ws") {
        wsServer.setMaxPendingConnections(20000);
        if (!wsServer.listen(QHostAddress::LocalHost, 0))
            return 1;
        port = wsServer.serverPort();
        QObject::connect(&wsServer, &QWebSocketServer::newConnection, [&] {
            while (QWebSocket *socket = wsServer.nextPendingConnection()) {
                QObject::connect(socket, &QWebSocket::textMessageReceived, socket, [socket, flush](const QString &m) {
                    socket->sendTextMessage(m);
                    if (flush)
                        socket->flush();
                });
            }
        });
    } else {
        tcpServer.setMaxPendingConnections(20000);
        tcpServer.setListenBacklogSize(1024);
        if (!tcpServer.listen(QHostAddress::LocalHost, 0))
            return 1;
        port = tcpServer.serverPort();
        QObject::connect(&tcpServer, &QTcpServer::newConnection, [&] {
            while (QTcpSocket *socket = tcpServer.nextPendingConnection()) {
                socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                QObject::connect(socket, &QIODevice::readyRead, socket, [socket, flush] {
                    socket->write(socket->readAll());
                    if (flush)
                        socket->flush();
                });
            }
        });
    }
    // Control channel from the client on stdin: "mark" starts counting loop iterations (aboutToBlock, which
    // every dispatcher emits) and epoll_ctl calls (ours only); "report" prints them for the marked section.
    QAbstractEventDispatcher *loop = QAbstractEventDispatcher::instance();
    auto *ours = qobject_cast<qsoketi::EpollEventDispatcher *>(loop);
    quint64 blocks = 0;
    quint64 ctlAtMark = 0;
    QObject::connect(loop, &QAbstractEventDispatcher::aboutToBlock, [&] { ++blocks; });
    QSocketNotifier control(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&control, &QSocketNotifier::activated, [&] {
        char buffer[64];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {
            control.setEnabled(false);
            return;
        }
        const quint64 ctl = ours ? ours->statistics().epollCtlCalls : 0;
        if (std::memchr(buffer, 'm', size_t(n))) {
            blocks = 0;
            ctlAtMark = ctl;
        } else {
            std::printf("%llu %llu\n", blocks, ours ? ctl - ctlAtMark : ~0ull);
            std::fflush(stdout);
        }
    });
    std::printf("%u %s\n", unsigned(port), loop->metaObject()->className());
    std::fflush(stdout);
    return app.exec();
}

// ---------------------------------------------------------------------------------------------------------
// Client (parent process)

bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= size_t(n);
    }
    return true;
}

bool readExactly(int fd, char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= size_t(n);
    }
    return true;
}

int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool sendHandshake(int fd, quint16 port)
{
    const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n";
    return writeAll(fd, request.data(), request.size());
}

bool readHandshakeResponse(int fd)
{
    std::string response;
    char c;
    while (response.size() < 4096 && readExactly(fd, &c, 1)) {
        response += c;
        if (response.size() >= 4 && response.compare(response.size() - 4, 4, "\r\n\r\n") == 0)
            return response.find(" 101 ") != std::string::npos;
    }
    return false;
}

// One masked 16-byte text frame, and its unmasked 18-byte echo.
const char kPayload[] = "0123456789abcdef";
constexpr size_t kPayloadSize = 16;

std::string maskedTextFrame()
{
    std::string frame;
    frame += char(0x81);
    frame += char(0x80 | kPayloadSize);
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (size_t i = 0; i < kPayloadSize; ++i)
        frame += char(kPayload[i] ^ mask[i % 4]);
    return frame;
}

// One echo exchange on an open connection (TCP: 16 bytes; WS: one text frame).
bool roundTrip(int fd, bool ws, const std::string &frame)
{
    char buffer[64];
    if (ws) {
        return writeAll(fd, frame.data(), frame.size()) && readExactly(fd, buffer, 2 + kPayloadSize)
            && std::memcmp(buffer + 2, kPayload, kPayloadSize) == 0;
    }
    return writeAll(fd, kPayload, kPayloadSize) && readExactly(fd, buffer, kPayloadSize)
        && std::memcmp(buffer, kPayload, kPayloadSize) == 0;
}

qint64 serverCpuNs(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/schedstat");
    qint64 ns = 0;
    stat >> ns;
    return ns;
}

struct RunResult
{
    bool ok = false;
    double roundTripsPerSecond = 0;
    double p50Us = 0;
    double p99Us = 0;
    double cpuUsPerRoundTrip = 0;
    double iterationsPerRoundTrip = 0;
    double ctlPerRoundTrip = -1; // -1: not our dispatcher
    std::string serverDispatcher;
};

RunResult runOnce(const std::string &self, const std::string &dispatcher, const std::string &mode, bool flush, int idle)
{
    RunResult result;
    int pipeFds[2];
    int controlFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        return result;
    if (::pipe2(controlFds, O_CLOEXEC) != 0)
        return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, controlFds[0], STDIN_FILENO);
    std::vector<std::string> args{self, "--serve", dispatcher, "--mode", mode};
    if (flush)
        args.push_back("--flush");
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings;
    for (char **e = environ; *e; ++e) {
        if (std::strncmp(*e, "QT_NO_GLIB=", 11) != 0)
            envStrings.emplace_back(*e);
    }
    if (dispatcher == "unix")
        envStrings.emplace_back("QT_NO_GLIB=1");
    std::vector<char *> envp;
    for (auto &e : envStrings)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    ::close(controlFds[0]);
    const auto readLine = [fd = pipeFds[0]](char *line, size_t capacity) {
        size_t used = 0;
        while (used < capacity - 1) {
            const ssize_t n = ::read(fd, line + used, 1);
            if (n <= 0 || line[used] == '\n')
                break;
            ++used;
        }
        line[used] = 0;
    };
    if (spawned != 0) {
        ::close(pipeFds[0]);
        ::close(controlFds[1]);
        return result;
    }
    char line[256] = {};
    readLine(line, sizeof line);
    const quint16 port = quint16(std::atoi(line));
    if (const char *space = std::strchr(line, ' '))
        result.serverDispatcher = std::string(space + 1, std::strcspn(space + 1, "\n"));

    const bool ws = mode == "ws";
    const std::string frame = maskedTextFrame();
    std::vector<int> idleFds;
    bool ok = port != 0;
    // Windows of 50, each answered before the next, so the accept queue (backlog 50 for QWebSocketServer)
    // never overflows.
    for (int opened = 0; ok && opened < idle;) {
        const int window = std::min(50, idle - opened);
        std::vector<int> fds;
        for (int i = 0; i < window && ok; ++i) {
            const int fd = connectTo(port);
            ok = fd >= 0 && (ws ? sendHandshake(fd, port) : writeAll(fd, kPayload, kPayloadSize));
            if (fd >= 0)
                fds.push_back(fd);
        }
        for (int fd : fds) {
            char buffer[kPayloadSize];
            ok = ok && (ws ? readHandshakeResponse(fd) : readExactly(fd, buffer, kPayloadSize));
            idleFds.push_back(fd);
        }
        opened += window;
    }

    const int fd = ok ? connectTo(port) : -1;
    ok = ok && fd >= 0 && (!ws || (sendHandshake(fd, port) && readHandshakeResponse(fd)));
    for (int i = 0; ok && i < 300; ++i)
        ok = roundTrip(fd, ws, frame);
    if (ok) {
        std::vector<qint64> latencies;
        latencies.reserve(5000);
        ok = writeAll(controlFds[1], "mark\n", 5);
        usleep(20000); // let the server take the mark before the timed section
        const qint64 cpuBefore = serverCpuNs(pid);
        const auto start = std::chrono::steady_clock::now();
        auto now = start;
        while (ok && latencies.size() < 5000 && now - start < std::chrono::seconds(3)) {
            const auto before = now;
            ok = roundTrip(fd, ws, frame);
            now = std::chrono::steady_clock::now();
            latencies.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - before).count());
        }
        const qint64 cpuNs = serverCpuNs(pid) - cpuBefore;
        const double seconds = std::chrono::duration<double>(now - start).count();
        if (ok && !latencies.empty()) {
            std::sort(latencies.begin(), latencies.end());
            result.ok = true;
            result.roundTripsPerSecond = double(latencies.size()) / seconds;
            result.p50Us = double(latencies[latencies.size() / 2]) / 1e3;
            result.p99Us = double(latencies[latencies.size() * 99 / 100]) / 1e3;
            result.cpuUsPerRoundTrip = double(cpuNs) / 1e3 / double(latencies.size());
            char report[128] = {};
            if (writeAll(controlFds[1], "report\n", 7)) {
                readLine(report, sizeof report);
                unsigned long long blocks = 0;
                unsigned long long ctl = 0;
                if (std::sscanf(report, "%llu %llu", &blocks, &ctl) == 2) {
                    result.iterationsPerRoundTrip = double(blocks) / double(latencies.size());
                    result.ctlPerRoundTrip = ctl == ~0ull ? -1 : double(ctl) / double(latencies.size());
                }
            }
        }
    }
    if (fd >= 0)
        ::close(fd);
    for (int idleFd : idleFds)
        ::close(idleFd);
    ::close(pipeFds[0]);
    ::close(controlFds[1]);
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    return result;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    raiseFdLimit();
    std::string mode = "tcp";
    bool flush = false;
    std::string serveDispatcher;
    std::vector<std::string> dispatchers{"glib", "epoll"};
    std::vector<int> idleCounts{0, 1000, 5000};
    int runs = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--serve" && hasValue)
            serveDispatcher = argv[++i];
        else if (arg == "--mode" && hasValue)
            mode = argv[++i];
        else if (arg == "--flush")
            flush = true;
        else if (arg == "--dispatchers" && hasValue)
            dispatchers = split(argv[++i]);
        else if (arg == "--idle" && hasValue) {
            idleCounts.clear();
            for (const std::string &n : split(argv[++i]))
                idleCounts.push_back(std::atoi(n.c_str()));
        } else if (arg == "--runs" && hasValue)
            runs = std::max(1, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr,
                "usage: %s [--dispatchers glib,unix,epoll,epoll-immediate] [--idle 0,1000,5000] "
                "[--runs 3] [--mode tcp|ws] [--flush]\n",
                argv[0]);
            return 2;
        }
    }
    if (!serveDispatcher.empty())
        return serve(serveDispatcher, mode, flush, argc, argv);

    pinToCpu(0);
    const std::string self = "/proc/self/exe";
    char resolved[4096] = {};
    const ssize_t length = ::readlink(self.c_str(), resolved, sizeof resolved - 1);
    const std::string exe = length > 0 ? std::string(resolved, size_t(length)) : std::string(argv[0]);
    std::printf("mode %s%s, %d run(s) per cell, medians; rt/s in brackets: min-max\n", mode.c_str(),
        flush ? " +flush" : "", runs);
    std::printf("%-16s %-30s %6s %22s %7s %7s %10s %8s %8s\n", "dispatcher", "server class", "idle", "round trips/s",
        "p50 us", "p99 us", "cpu us/RT", "iter/RT", "ctl/RT");
    for (int idle : idleCounts) {
        for (const std::string &dispatcher : dispatchers) {
            std::vector<double> rates, p50s, p99s, cpus, iterations, ctls;
            std::string serverClass;
            int failures = 0;
            for (int run = 0; run < runs; ++run) {
                const RunResult r = runOnce(exe, dispatcher, mode, flush, idle);
                if (!r.ok) {
                    ++failures;
                    continue;
                }
                serverClass = r.serverDispatcher;
                rates.push_back(r.roundTripsPerSecond);
                p50s.push_back(r.p50Us);
                p99s.push_back(r.p99Us);
                cpus.push_back(r.cpuUsPerRoundTrip);
                iterations.push_back(r.iterationsPerRoundTrip);
                ctls.push_back(r.ctlPerRoundTrip);
            }
            char range[64] = "-";
            if (!rates.empty()) {
                std::snprintf(range, sizeof range, "%.0f (%.0f-%.0f)", median(rates),
                    *std::min_element(rates.begin(), rates.end()), *std::max_element(rates.begin(), rates.end()));
            }
            char ctl[16] = "-";
            if (!ctls.empty() && median(ctls) >= 0)
                std::snprintf(ctl, sizeof ctl, "%.2f", median(ctls));
            std::printf("%-16s %-30s %6d %22s %7.0f %7.0f %10.1f %8.2f %8s%s\n", dispatcher.c_str(),
                serverClass.c_str(), idle, range, median(p50s), median(p99s), median(cpus), median(iterations), ctl,
                failures ? (" failed runs: " + std::to_string(failures)).c_str() : "");
            std::fflush(stdout);
        }
    }
    return 0;
}
