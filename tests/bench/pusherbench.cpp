// SPDX-License-Identifier: GPL-3.0-or-later
//
// pusherbench: load generator and meter for any Pusher-protocol (v7) server, driven only through its
// public interface (WebSocket endpoint /app/{key} and the signed REST API). It does not use any
// qsoketi code, so the same binary measures qsoketi, soketi or any other implementation.
//
// Single-threaded, non-blocking sockets on one epoll loop. Server-side figures (RSS, CPU) come from
// /proc/<server-pid>; the generator's own CPU is reported per scenario so a saturated generator is
// visible instead of silently capping the numbers. See docs/benchmarks.md for method and results.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "BenchCrypto.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pusherbench {

namespace {

std::int64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t secsToNs(double s)
{
    return static_cast<std::int64_t>(s * 1e9);
}

// Generator CPU (user + system) in ns, to report how busy the load generator itself was.
std::int64_t selfCpuNs()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval &t) { return std::int64_t(t.tv_sec) * 1'000'000'000 + std::int64_t(t.tv_usec) * 1000; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

std::uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

std::uint32_t rnd32()
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return static_cast<std::uint32_t>(g_rng >> 16);
}

double percentile(std::vector<std::int64_t> &v, double p)
{
    if (v.empty())
        return NAN;
    std::sort(v.begin(), v.end());
    std::size_t idx = static_cast<std::size_t>(std::ceil(p * double(v.size())));
    idx = idx == 0 ? 0 : idx - 1;
    return double(v[std::min(idx, v.size() - 1)]);
}

// ---------------------------------------------------------------------------------------------
// Server-side meters from /proc/<pid>.

class ProcMeter
{
public:
    explicit ProcMeter(int pid)
        : m_pid(pid)
    {}

    bool valid() const { return m_pid > 0; }

    bool alive() const { return m_pid <= 0 || access(("/proc/" + std::to_string(m_pid)).c_str(), F_OK) == 0; }

    // VmRSS in KiB (0 if unknown).
    long rssKiB() const
    {
        if (m_pid <= 0)
            return 0;
        std::ifstream in("/proc/" + std::to_string(m_pid) + "/status");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("VmRSS:", 0) == 0)
                return std::strtol(line.c_str() + 6, nullptr, 10);
        return 0;
    }

    // CPU time in ns summed over all live threads from schedstat (ns resolution). Threads that exit
    // between two samples would be lost, so cpuStatNs() (tick resolution, includes dead threads) is
    // reported alongside as a cross-check.
    std::int64_t cpuSchedNs() const
    {
        if (m_pid <= 0)
            return 0;
        const std::string dir = "/proc/" + std::to_string(m_pid) + "/task";
        std::int64_t total = 0;
        if (DIR *d = opendir(dir.c_str())) {
            while (dirent *e = readdir(d)) {
                if (e->d_name[0] == '.')
                    continue;
                std::ifstream in(dir + "/" + e->d_name + "/schedstat");
                long long ns = 0;
                if (in >> ns)
                    total += ns;
            }
            closedir(d);
        }
        return total;
    }

    std::int64_t cpuStatNs() const
    {
        if (m_pid <= 0)
            return 0;
        std::ifstream in("/proc/" + std::to_string(m_pid) + "/stat");
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto paren = all.rfind(')');
        if (paren == std::string::npos)
            return 0;
        std::istringstream rest(all.substr(paren + 2));
        std::string field;
        long long utime = 0, stime = 0;
        // After "pid (comm) " the fields start at #3 (state); utime is #14, stime #15.
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14)
                utime = std::atoll(field.c_str());
            if (i == 15)
                stime = std::atoll(field.c_str());
        }
        return (utime + stime) * (1'000'000'000LL / sysconf(_SC_CLK_TCK));
    }

private:
    int m_pid;
};

struct CpuMark
{
    std::int64_t wallNs = 0, schedNs = 0, statNs = 0, selfNs = 0;
};

// ---------------------------------------------------------------------------------------------
// epoll loop. Handlers are never destroyed while a batch is dispatched (connections are only
// deleted between phases), and a closed handler ignores late events, so dispatch needs no guards.

class Handler
{
public:
    virtual ~Handler() = default;
    virtual void onEvents(std::uint32_t events) = 0;
};

class Loop
{
public:
    Loop()
        : m_ep(epoll_create1(EPOLL_CLOEXEC))
    {}
    ~Loop() { ::close(m_ep); }
    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    void add(int fd, std::uint32_t events, Handler *h) { ctl(EPOLL_CTL_ADD, fd, events, h); }
    void mod(int fd, std::uint32_t events, Handler *h) { ctl(EPOLL_CTL_MOD, fd, events, h); }

    void pollOnce(int timeoutMs)
    {
        epoll_event evs[512];
        const int n = epoll_wait(m_ep, evs, 512, timeoutMs);
        for (int i = 0; i < n; ++i)
            static_cast<Handler *>(evs[i].data.ptr)->onEvents(evs[i].events);
    }

private:
    void ctl(int op, int fd, std::uint32_t events, Handler *h)
    {
        epoll_event e{};
        e.events = events;
        e.data.ptr = h;
        epoll_ctl(m_ep, op, fd, &e);
    }
    int m_ep;
};

int connectNonBlocking(const sockaddr_in &addr)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Writes as much of out[outPos..] as the socket takes; returns false on a hard error.
bool flushBuffer(int fd, std::string &out, std::size_t &outPos)
{
    while (outPos < out.size()) {
        const ssize_t n = ::send(fd, out.data() + outPos, out.size() - outPos, MSG_NOSIGNAL);
        if (n > 0) {
            outPos += std::size_t(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return false;
        }
    }
    if (outPos == out.size()) {
        out.clear();
        outPos = 0;
    }
    return true;
}

// Value of "event":"…" (no escapes inside the value); enough for the event names we compare.
std::string_view eventName(std::string_view msg)
{
    static constexpr std::string_view pat = "\"event\":";
    auto p = msg.find(pat);
    if (p == std::string_view::npos)
        return {};
    p += pat.size();
    while (p < msg.size() && msg[p] == ' ')
        ++p;
    if (p >= msg.size() || msg[p] != '"')
        return {};
    const auto end = msg.find('"', p + 1);
    if (end == std::string_view::npos)
        return {};
    return msg.substr(p + 1, end - p - 1);
}

// ---------------------------------------------------------------------------------------------
// Minimal RFC 6455 client: handshake, masked client frames, server frame parsing across partial
// reads, fragmented messages, ping → pong, close.

class WsClient;

class WsListener
{
public:
    virtual ~WsListener() = default;
    virtual void onEstablished(WsClient &c) = 0;
    virtual void onSubscribed(WsClient &c) = 0;
    virtual void onPong(WsClient &c, std::int64_t rxNs) = 0;
    virtual void onEvent(WsClient &c, std::string_view msg, std::int64_t rxNs) = 0;
    virtual void onPusherError(WsClient &c, std::string_view msg) = 0;
    virtual void onClosed(WsClient &c, const char *why) = 0;
};

class WsClient : public Handler
{
public:
    enum class State
    {
        Connecting,
        Handshake,
        Open,
        Closed
    };

    WsClient(Loop &loop, WsListener &l, std::string channel)
        : m_loop(loop)
        , m_l(l)
        , m_channel(std::move(channel))
    {}
    ~WsClient() override { closeFd(); }

    bool start(const sockaddr_in &addr, const std::string &hostHeader, const std::string &appKey)
    {
        m_fd = connectNonBlocking(addr);
        if (m_fd < 0)
            return false;
        std::string nonce(16, '\0');
        for (auto &ch : nonce)
            ch = static_cast<char>(rnd32() & 0xff);
        m_handshake = "GET /app/" + appKey
            + "?protocol=7&client=pusherbench&version=1.0&flash=false HTTP/1.1\r\n"
              "Host: "
            + hostHeader + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + base64(nonce)
            + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        m_state = State::Connecting;
        m_loop.add(m_fd, EPOLLIN | EPOLLOUT, this);
        m_wantOut = true;
        return true;
    }

    void onEvents(std::uint32_t ev) override
    {
        if (m_state == State::Closed)
            return;
        if (m_state == State::Connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
                fail("connect failed");
                return;
            }
            if (!(ev & EPOLLOUT))
                return;
            m_state = State::Handshake;
            m_out = m_handshake;
            m_outPos = 0;
            flush();
            return;
        }
        if (ev & EPOLLOUT)
            flush();
        if (m_state != State::Closed && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            readAll();
    }

    void sendText(std::string_view payload)
    {
        if (m_state != State::Open)
            return;
        appendFrame(0x1, payload);
        flush();
    }

    void close() { closeFd(); }

    State state() const { return m_state; }
    bool subscribed() const { return m_subscribed; }
    const std::string &channel() const { return m_channel; }
    std::int64_t pingSentNs = 0;

private:
    void appendFrame(int opcode, std::string_view payload)
    {
        m_out.push_back(static_cast<char>(0x80 | opcode));
        const std::size_t n = payload.size();
        if (n < 126) {
            m_out.push_back(static_cast<char>(0x80 | n));
        } else if (n < 65536) {
            m_out.push_back(static_cast<char>(0x80 | 126));
            m_out.push_back(static_cast<char>((n >> 8) & 0xff));
            m_out.push_back(static_cast<char>(n & 0xff));
        } else {
            m_out.push_back(static_cast<char>(0x80 | 127));
            for (int i = 7; i >= 0; --i)
                m_out.push_back(static_cast<char>((std::uint64_t(n) >> (8 * i)) & 0xff));
        }
        const std::uint32_t mask = rnd32();
        char mk[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
        m_out.append(mk, 4);
        const std::size_t base = m_out.size();
        m_out.append(payload);
        for (std::size_t i = 0; i < n; ++i)
            m_out[base + i] = static_cast<char>(m_out[base + i] ^ mk[i & 3]);
    }

    void flush()
    {
        if (m_fd < 0)
            return;
        if (!flushBuffer(m_fd, m_out, m_outPos)) {
            fail("write failed");
            return;
        }
        const bool want = !m_out.empty();
        if (want != m_wantOut) {
            m_wantOut = want;
            m_loop.mod(m_fd, EPOLLIN | (want ? EPOLLOUT : 0u), this);
        }
    }

    void readAll()
    {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n > 0) {
                m_in.append(buf, std::size_t(n));
                process(nowNs());
                if (m_state == State::Closed)
                    return;
                // A short read drained the socket; level-triggered epoll reports any later data, so
                // skip the extra recv() that would only return EAGAIN (halves syscalls per delivery).
                if (std::size_t(n) < sizeof buf)
                    return;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            fail(n == 0 ? "closed by server" : "read error");
            return;
        }
    }

    void process(std::int64_t rxNs)
    {
        if (m_state == State::Handshake) {
            const auto end = m_in.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (m_in.size() > 16384)
                    fail("handshake too long");
                return;
            }
            if (m_in.compare(0, 12, "HTTP/1.1 101") != 0) {
                fail("handshake refused");
                return;
            }
            m_inPos = end + 4;
            m_state = State::Open;
        }
        while (m_state == State::Open) {
            const std::size_t avail = m_in.size() - m_inPos;
            if (avail < 2)
                break;
            const auto *p = reinterpret_cast<const unsigned char *>(m_in.data() + m_inPos);
            const bool fin = p[0] & 0x80;
            const int op = p[0] & 0x0f;
            const bool masked = p[1] & 0x80;
            std::uint64_t len = p[1] & 0x7f;
            std::size_t hdr = 2;
            if (len == 126) {
                if (avail < 4)
                    break;
                len = (std::uint64_t(p[2]) << 8) | p[3];
                hdr = 4;
            } else if (len == 127) {
                if (avail < 10)
                    break;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | p[2 + i];
                hdr = 10;
            }
            const std::size_t maskAt = hdr;
            if (masked)
                hdr += 4;
            if (len > (64u << 20)) {
                fail("frame too large");
                return;
            }
            if (avail < hdr + len)
                break;
            std::string_view payload(m_in.data() + m_inPos + hdr, std::size_t(len));
            std::string unmasked;
            if (masked) { // servers must not mask, but tolerate it
                unmasked.assign(payload);
                for (std::size_t i = 0; i < unmasked.size(); ++i)
                    unmasked[i] = static_cast<char>(unmasked[i] ^ p[maskAt + (i & 3)]);
                payload = unmasked;
            }
            m_inPos += hdr + std::size_t(len);
            handleFrame(fin, op, payload, rxNs);
        }
        if (m_inPos >= m_in.size()) {
            m_in.clear();
            m_inPos = 0;
        } else if (m_inPos > 65536) {
            m_in.erase(0, m_inPos);
            m_inPos = 0;
        }
    }

    void handleFrame(bool fin, int op, std::string_view payload, std::int64_t rxNs)
    {
        switch (op) {
        case 0x1:
        case 0x2:
            if (fin) {
                handleMessage(payload, rxNs);
            } else {
                m_frag.assign(payload);
                m_fragActive = true;
            }
            break;
        case 0x0:
            if (!m_fragActive) {
                fail("stray continuation frame");
                return;
            }
            m_frag.append(payload);
            if (fin) {
                m_fragActive = false;
                const std::string whole = std::move(m_frag);
                m_frag.clear();
                handleMessage(whole, rxNs);
            }
            break;
        case 0x8:
            fail("close frame from server");
            break;
        case 0x9:
            appendFrame(0xA, payload);
            flush();
            break;
        default:
            break;
        }
    }

    void handleMessage(std::string_view msg, std::int64_t rxNs)
    {
        const std::string_view event = eventName(msg);
        if (event.substr(0, 7) != "pusher:" && event.substr(0, 16) != "pusher_internal:") {
            m_l.onEvent(*this, msg, rxNs);
        } else if (event == "pusher:connection_established") {
            m_l.onEstablished(*this);
            if (!m_channel.empty())
                sendText(R"({"event":"pusher:subscribe","data":{"channel":")" + m_channel + "\"}}");
        } else if (event == "pusher_internal:subscription_succeeded") {
            m_subscribed = true;
            m_l.onSubscribed(*this);
        } else if (event == "pusher:pong") {
            m_l.onPong(*this, rxNs);
        } else if (event == "pusher:ping") {
            sendText(R"({"event":"pusher:pong","data":{}})");
        } else if (event == "pusher:error") {
            m_l.onPusherError(*this, msg);
        }
    }

    void fail(const char *why)
    {
        if (m_state == State::Closed)
            return;
        closeFd();
        m_l.onClosed(*this, why);
    }

    void closeFd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_state = State::Closed;
    }

    Loop &m_loop;
    WsListener &m_l;
    std::string m_channel;
    std::string m_handshake;
    int m_fd = -1;
    State m_state = State::Closed;
    std::string m_in, m_out, m_frag;
    std::size_t m_inPos = 0, m_outPos = 0;
    bool m_wantOut = false, m_fragActive = false, m_subscribed = false;
};

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 client: one request at a time per connection, keep-alive, transparent reconnect when
// the server closes the connection (soketi closes after every response).

class HttpClient;

class HttpListener
{
public:
    virtual ~HttpListener() = default;
    virtual void onResponse(
        HttpClient &c, int status, std::string_view body, std::int64_t issuedNs, std::int64_t doneNs) = 0;
    virtual void onHttpError(HttpClient &c, const char *why) = 0;
};

class HttpClient : public Handler
{
public:
    enum class State
    {
        Disconnected,
        Connecting,
        Idle,
        Waiting
    };

    HttpClient(Loop &loop, HttpListener &l, const sockaddr_in &addr)
        : m_loop(loop)
        , m_l(l)
        , m_addr(addr)
    {}
    ~HttpClient() override { closeFd(); }

    bool busy() const { return m_hasPending || m_state == State::Waiting; }
    int reconnects = 0;

    // Issues a request; latency is measured from here (including a reconnect if one is needed).
    void request(std::string bytes)
    {
        // A client that sends "Connection: close" must not reuse the connection (RFC 9112 9.6).
        const auto headerEnd = bytes.find("\r\n\r\n");
        m_pendingCloses = bytes.substr(0, headerEnd + 2).find("\r\nConnection: close\r\n") != std::string::npos;
        m_pending = std::move(bytes);
        m_hasPending = true;
        m_issuedNs = nowNs();
        if (m_state == State::Disconnected)
            connect();
        else if (m_state == State::Idle)
            sendPending();
    }

    void connect()
    {
        if (m_state != State::Disconnected)
            return;
        m_fd = connectNonBlocking(m_addr);
        if (m_fd < 0) {
            if (m_hasPending) {
                m_hasPending = false;
                m_l.onHttpError(*this, "connect failed");
            }
            return;
        }
        ++m_connects;
        if (m_connects > 1)
            ++reconnects;
        m_state = State::Connecting;
        m_wantOut = true;
        m_loop.add(m_fd, EPOLLIN | EPOLLOUT, this);
    }

    void onEvents(std::uint32_t ev) override
    {
        if (m_state == State::Disconnected)
            return;
        if (m_state == State::Connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
                drop("connect failed");
                return;
            }
            if (!(ev & EPOLLOUT))
                return;
            m_state = State::Idle;
            if (m_hasPending)
                sendPending();
            else
                setWantOut(false);
            return;
        }
        if (ev & EPOLLOUT)
            flush();
        if (m_state != State::Disconnected && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            readAll();
    }

private:
    void sendPending()
    {
        m_out = std::move(m_pending);
        m_outPos = 0;
        m_hasPending = false;
        m_closeAfterResponse = m_pendingCloses;
        m_state = State::Waiting;
        m_in.clear();
        flush();
    }

    void setWantOut(bool want)
    {
        if (want != m_wantOut && m_fd >= 0) {
            m_wantOut = want;
            m_loop.mod(m_fd, EPOLLIN | (want ? EPOLLOUT : 0u), this);
        }
    }

    void flush()
    {
        if (m_fd < 0)
            return;
        if (!flushBuffer(m_fd, m_out, m_outPos)) {
            drop("write failed");
            return;
        }
        setWantOut(!m_out.empty());
    }

    void readAll()
    {
        char buf[16384];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n > 0) {
                if (m_state != State::Waiting)
                    continue; // unsolicited bytes on an idle keep-alive connection: ignore
                m_in.append(buf, std::size_t(n));
                if (tryComplete(false))
                    return; // state changed (response delivered); stop reading this batch
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            // EOF or error
            if (m_state == State::Waiting && n == 0 && tryComplete(true))
                return;
            if (m_state == State::Waiting)
                drop(n == 0 ? "closed before response" : "read error");
            else
                dropQuietly();
            return;
        }
    }

    // Both helpers take the header block already lower-cased (done once per response).
    static std::optional<long> headerValueLong(const std::string &lower, std::string_view lowerName)
    {
        const auto p = lower.find("\r\n" + std::string(lowerName) + ":");
        if (p == std::string::npos)
            return std::nullopt;
        return std::strtol(lower.c_str() + p + 3 + lowerName.size(), nullptr, 10);
    }

    static bool headerContains(const std::string &lower, std::string_view lowerName, std::string_view lowerValue)
    {
        const auto p = lower.find("\r\n" + std::string(lowerName) + ":");
        if (p == std::string::npos)
            return false;
        const auto eol = lower.find("\r\n", p + 2);
        return lower.substr(p, eol - p).find(lowerValue) != std::string::npos;
    }

    // Returns true when a full response was delivered (or the connection was dropped).
    bool tryComplete(bool eof)
    {
        const auto hend = m_in.find("\r\n\r\n");
        if (hend == std::string::npos)
            return false;
        std::string headers(m_in, 0, hend);
        for (char &ch : headers)
            if (ch >= 'A' && ch <= 'Z')
                ch = static_cast<char>(ch - 'A' + 'a');
        const int status = m_in.size() > 12 ? std::atoi(m_in.c_str() + 9) : 0;
        const bool serverCloses = headerContains(headers, "connection", "close");
        std::string body;
        const std::size_t bstart = hend + 4;
        if (const auto cl = headerValueLong(headers, "content-length")) {
            if (m_in.size() < bstart + std::size_t(*cl))
                return false;
            body = m_in.substr(bstart, std::size_t(*cl));
        } else if (headerContains(headers, "transfer-encoding", "chunked")) {
            std::size_t pos = bstart;
            for (;;) {
                const auto eol = m_in.find("\r\n", pos);
                if (eol == std::string::npos)
                    return false;
                const std::size_t size = std::strtoul(m_in.c_str() + pos, nullptr, 16);
                if (size == 0) {
                    if (m_in.find("\r\n", eol + 2) == std::string::npos)
                        return false;
                    break;
                }
                if (m_in.size() < eol + 2 + size + 2)
                    return false;
                body.append(m_in, eol + 2, size);
                pos = eol + 2 + size + 2;
            }
        } else if (status == 204 || status == 304) {
        } else if (eof) {
            body = m_in.substr(bstart);
        } else {
            return false;
        }
        const std::int64_t done = nowNs();
        const std::int64_t issued = m_issuedNs;
        if (serverCloses || eof || m_closeAfterResponse)
            dropQuietly();
        else
            m_state = State::Idle;
        m_in.clear();
        m_l.onResponse(*this, status, body, issued, done);
        return true;
    }

    void dropQuietly()
    {
        closeFd();
        // Reconnect right away so the next request finds a ready connection, like a pooled client.
        connect();
        if (m_hasPending && m_state == State::Idle)
            sendPending();
    }

    void drop(const char *why)
    {
        const bool hadRequest = m_state == State::Waiting || m_hasPending;
        m_hasPending = false;
        closeFd();
        if (hadRequest)
            m_l.onHttpError(*this, why);
        connect();
    }

    void closeFd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_state = State::Disconnected;
        m_out.clear();
        m_outPos = 0;
        m_in.clear();
    }

    Loop &m_loop;
    HttpListener &m_l;
    sockaddr_in m_addr;
    int m_fd = -1;
    State m_state = State::Disconnected;
    std::string m_in, m_out, m_pending;
    std::size_t m_outPos = 0;
    bool m_hasPending = false, m_wantOut = false, m_pendingCloses = false, m_closeAfterResponse = false;
    std::int64_t m_issuedNs = 0;
    int m_connects = 0;
};

// ---------------------------------------------------------------------------------------------

struct Options
{
    std::string host = "127.0.0.1";
    int port = 6001;
    std::string appId = "app-id", key = "app-key", secret = "app-secret";
    int serverPid = 0;
    std::set<std::string> scenarios;
    std::vector<int> s1Conns = {5000, 9000};
    int s1Channels = 100;
    int s3IdleConns = 5000;
    int s3Pings = 2000;
    int s3Warmup = 2000;
    int subs = 1000;
    double s2aRate = 10, s2aSecs = 3;
    int payload = 200, bigPayload = 9728;
    double s2bSecs = 3;
    int s2bWindow = 8;
    int s4Conns = 32;
    double s4Secs = 5;
    bool httpClose = false;
    bool browserHeaders = false; // WebSocket upgrades carry a browser's header set (user agent, cookie, ...)
    int concurrency = 200;
    double settleSecs = 1.0;
    std::string label;
};

// JSON object writer for the one-line summary (values are numbers, strings without escapes, or
// nested objects); NaN becomes null.
class Json
{
public:
    Json &num(const std::string &k, double v)
    {
        key(k);
        if (std::isnan(v) || std::isinf(v)) {
            m_s += "null";
        } else {
            char b[64];
            std::snprintf(b, sizeof b, "%.6g", v);
            m_s += b;
        }
        return *this;
    }
    Json &str(const std::string &k, const std::string &v)
    {
        key(k);
        m_s += '"';
        for (char c : v)
            if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20)
                m_s += c;
        m_s += '"';
        return *this;
    }
    Json &raw(const std::string &k, const std::string &v)
    {
        key(k);
        m_s += v;
        return *this;
    }
    std::string done() const { return "{" + m_s + "}"; }

private:
    void key(const std::string &k)
    {
        if (!m_s.empty())
            m_s += ',';
        m_s += '"' + k + "\":";
    }
    std::string m_s;
};

class Bench : public WsListener, public HttpListener
{
public:
    explicit Bench(Options o)
        : m_o(std::move(o))
        , m_proc(m_o.serverPid)
    {
        m_addr.sin_family = AF_INET;
        m_addr.sin_port = htons(static_cast<std::uint16_t>(m_o.port));
        inet_pton(AF_INET, m_o.host.c_str(), &m_addr.sin_addr);
        m_hostHeader = m_o.host + ":" + std::to_string(m_o.port);
        // The upgrade's Host line, followed by what Chromium adds from a page with a session cookie.
        m_wsHostHeader = m_hostHeader;
        if (m_o.browserHeaders)
            m_wsHostHeader +=
                "\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
                "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\nOrigin: "
                "http://localhost:8000\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: "
                "en-US,en;q=0.9\r\nSec-WebSocket-Extensions: permessage-deflate; "
                "client_max_window_bits\r\nCookie: XSRF-TOKEN="
                + std::string(300, 'x') + "; laravel_session=" + std::string(300, 's');
    }

    int run()
    {
        auto has = [&](const char *s) { return m_o.scenarios.count(s) || m_o.scenarios.count("all"); };
        Json top;
        top.str("tool", "pusherbench").str("label", m_o.label).num("server_pid", m_o.serverPid);
        top.str("loadavg_start", loadavg());
        if (has("s1") || has("s3"))
            idlePhase(has("s1"), has("s3"), top);
        const bool s2 = has("s2a") || has("s2b") || has("s2c");
        if (s2) {
            std::vector<std::unique_ptr<WsClient>> subs;
            const int ready = openClients(
                subs, m_o.subs, [](int) { return std::string("bench-fanout"); }, "S2 subscribers");
            settle(0.5);
            if (ready < m_o.subs)
                std::printf("warning: only %d of %d subscribers ready\n", ready, m_o.subs);
            if (has("s2a"))
                top.raw("s2a", latencyPhase(ready));
            if (has("s2b"))
                top.raw("s2b", throughputPhase("S2b", ready, m_o.payload));
            if (has("s2c"))
                top.raw("s2c", throughputPhase("S2c", ready, m_o.bigPayload));
            closeAll(subs);
            settle(1.0);
        }
        if (has("s4"))
            top.raw("s4", restPhase());
        top.str("loadavg_end", loadavg());
        row("generator CPU, busiest scenario", m_genMaxPct, "% core");
        std::printf("\n%-44s %14s\n", "summary", "value");
        for (const auto &[name, value] : m_rows)
            std::printf("%-44s %14s\n", name.c_str(), value.c_str());
        top.num("server_alive", m_proc.alive() ? 1 : 0);
        std::printf("\n%s\n", top.done().c_str());
        std::fflush(stdout);
        return m_proc.alive() ? 0 : 1;
    }

    // ---- WsListener
    void onEstablished(WsClient &) override {}
    void onSubscribed(WsClient &) override { ++m_ready; }
    void onPong(WsClient &, std::int64_t rxNs) override { m_lastPongNs = rxNs; }
    void onEvent(WsClient &, std::string_view msg, std::int64_t rxNs) override
    {
        const auto sp = msg.find("seq=");
        const auto tp = msg.find(" t=");
        if (sp == std::string_view::npos || tp == std::string_view::npos) {
            ++m_unexpected;
            return;
        }
        long long seq = 0, ts = 0;
        std::from_chars(msg.data() + sp + 4, msg.data() + msg.size(), seq);
        std::from_chars(msg.data() + tp + 3, msg.data() + msg.size(), ts);
        if (seq < 0 || std::size_t(seq) >= m_perSeq.size()) {
            ++m_unexpected;
            return;
        }
        ++m_perSeq[std::size_t(seq)];
        ++m_delivered;
        m_lastDeliveryNs = rxNs;
        if (m_recordLatency && seq >= m_measureFromSeq)
            m_latencies.push_back(rxNs - ts);
    }
    void onPusherError(WsClient &, std::string_view msg) override
    {
        ++m_pusherErrors;
        if (m_pusherErrors <= 3)
            std::printf("pusher:error: %.*s\n", int(std::min<std::size_t>(msg.size(), 200)), msg.data());
    }
    void onClosed(WsClient &c, const char *why) override
    {
        if (c.subscribed())
            ++m_closedAfterReady;
        else
            ++m_failed;
        if (++m_closeLogs <= 3)
            std::printf("connection closed (%s)\n", why);
    }

    // ---- HttpListener
    void onResponse(
        HttpClient &c, int status, std::string_view body, std::int64_t issuedNs, std::int64_t doneNs) override
    {
        ++m_httpDone;
        if (status < 200 || status > 299)
            ++m_non2xx;
        else if (body.find("\"error\"") != std::string_view::npos)
            ++m_errorBodies;
        if ((status < 200 || status > 299 || body.find("\"error\"") != std::string_view::npos) && ++m_httpLogs <= 3)
            std::printf("HTTP %d: %.*s\n", status, int(std::min<std::size_t>(body.size(), 200)), body.data());
        m_httpLat.push_back(doneNs - issuedNs);
        if (m_onHttpDone)
            m_onHttpDone(c);
    }
    void onHttpError(HttpClient &c, const char *why) override
    {
        ++m_httpErrors;
        if (++m_httpLogs <= 3)
            std::printf("HTTP error: %s\n", why);
        if (m_onHttpDone)
            m_onHttpDone(c);
    }

private:
    static std::string loadavg()
    {
        std::ifstream in("/proc/loadavg");
        std::string a, b, c;
        in >> a >> b >> c;
        return a + " " + b + " " + c;
    }

    CpuMark mark() const { return CpuMark{nowNs(), m_proc.cpuSchedNs(), m_proc.cpuStatNs(), selfCpuNs()}; }

    double genPct(const CpuMark &a, const CpuMark &b)
    {
        const double pct =
            b.wallNs > a.wallNs ? 100.0 * double(b.selfNs - a.selfNs) / double(b.wallNs - a.wallNs) : NAN;
        if (!std::isnan(pct))
            m_genMaxPct = std::max(m_genMaxPct, pct);
        return pct;
    }
    double m_genMaxPct = 0;

    double serverUs(const CpuMark &a, const CpuMark &b) const
    {
        return m_proc.valid() ? double(b.schedNs - a.schedNs) / 1000.0 : NAN;
    }

    double serverStatUs(const CpuMark &a, const CpuMark &b) const
    {
        return m_proc.valid() ? double(b.statNs - a.statNs) / 1000.0 : NAN;
    }

    void pumpFor(double secs)
    {
        const std::int64_t end = nowNs() + secsToNs(secs);
        while (nowNs() < end)
            m_loop.pollOnce(10);
    }
    void settle(double secs) { pumpFor(secs); }

    // Opens `count` more subscribed connections with at most `concurrency` handshakes in flight.
    // Returns how many became subscribed. Bounded by a 120 s deadline.
    int openClients(std::vector<std::unique_ptr<WsClient>> &v, int count,
        const std::function<std::string(int)> &channelOf, const char *what)
    {
        const int readyBefore = m_ready, failedBefore = m_failed;
        int started = 0;
        const std::int64_t deadline = nowNs() + secsToNs(120);
        while (nowNs() < deadline) {
            const int done = (m_ready - readyBefore) + (m_failed - failedBefore);
            if (done >= count)
                break;
            while (started < count && started - done < m_o.concurrency) {
                auto c = std::make_unique<WsClient>(m_loop, *this, channelOf(int(v.size())));
                if (!c->start(m_addr, m_wsHostHeader, m_o.key)) {
                    ++m_failed;
                    ++started;
                    if (++m_closeLogs <= 3)
                        std::printf("%s: socket/connect failed: %s\n", what, std::strerror(errno));
                    continue;
                }
                v.push_back(std::move(c));
                ++started;
            }
            m_loop.pollOnce(5);
        }
        return m_ready - readyBefore;
    }

    void closeAll(std::vector<std::unique_ptr<WsClient>> &v)
    {
        for (auto &c : v)
            c->close();
        v.clear();
    }

    // Serial pusher:ping → pusher:pong on one connection; returns RTTs in ns.
    std::vector<std::int64_t> pingSeries(WsClient &c, int warmup, int count, bool busy)
    {
        std::vector<std::int64_t> rtts;
        rtts.reserve(std::size_t(count));
        const std::int64_t deadline = nowNs() + secsToNs(20);
        for (int i = 0; i < warmup + count && nowNs() < deadline && c.state() == WsClient::State::Open; ++i) {
            m_lastPongNs = 0;
            const std::int64_t sent = nowNs();
            c.sendText(R"({"event":"pusher:ping","data":{}})");
            // busy: spin on epoll_wait(0) so the generator's own wake-up latency (tens of µs on an
            // idle VM) stays out of the round trip; otherwise block like a normal client.
            while (m_lastPongNs == 0 && nowNs() < deadline && c.state() == WsClient::State::Open)
                m_loop.pollOnce(busy ? 0 : 10);
            if (m_lastPongNs == 0)
                break;
            if (i >= warmup)
                rtts.push_back(m_lastPongNs - sent);
        }
        return rtts;
    }

    struct S3Stats
    {
        double p50 = NAN, p99 = NAN, busyP50 = NAN, busyP99 = NAN;
        std::string json = "null";
    };

    // One blocking series (after warm-up), then one busy-polling series on the same connection.
    S3Stats measureS3(WsClient &pinger, const char *label, int idle)
    {
        S3Stats st;
        auto blocking = pingSeries(pinger, m_o.s3Warmup, m_o.s3Pings, false);
        auto busy = pingSeries(pinger, 200, m_o.s3Pings, true);
        st.p50 = percentile(blocking, 0.50) / 1000.0;
        st.p99 = percentile(blocking, 0.99) / 1000.0;
        const double mx = blocking.empty() ? NAN : double(blocking.back()) / 1000.0;
        st.busyP50 = percentile(busy, 0.50) / 1000.0;
        st.busyP99 = percentile(busy, 0.99) / 1000.0;
        std::printf("S3 RTT %-5s idle=%-5d  n=%-5zu p50 %8.1f us  p99 %8.1f us  max %8.1f us | busy-poll p50 %8.1f us  "
                    "p99 %8.1f us\n",
            label, idle, blocking.size(), st.p50, st.p99, mx, st.busyP50, st.busyP99);
        st.json = Json()
                      .num("idle_conns", idle)
                      .num("n", double(blocking.size()))
                      .num("p50_us", st.p50)
                      .num("p99_us", st.p99)
                      .num("max_us", mx)
                      .num("busy_p50_us", st.busyP50)
                      .num("busy_p99_us", st.busyP99)
                      .done();
        return st;
    }

    void idlePhase(bool doS1, bool doS3, Json &top)
    {
        // The pinger connects first so S3 "none" runs with no other client connected.
        WsClient pinger(m_loop, *this, "");
        pinger.start(m_addr, m_wsHostHeader, m_o.key);
        const std::int64_t deadline = nowNs() + secsToNs(10);
        while (
            pinger.state() != WsClient::State::Open && pinger.state() != WsClient::State::Closed && nowNs() < deadline)
            m_loop.pollOnce(10);
        pumpFor(0.2);
        S3Stats none, idleSt;
        if (doS3)
            none = measureS3(pinger, "none", 0);

        std::vector<int> checkpoints = doS1 ? m_o.s1Conns : std::vector<int>{};
        if (doS3 && std::find(checkpoints.begin(), checkpoints.end(), m_o.s3IdleConns) == checkpoints.end())
            checkpoints.push_back(m_o.s3IdleConns);
        std::sort(checkpoints.begin(), checkpoints.end());

        std::vector<std::unique_ptr<WsClient>> idle;
        const long rss0 = m_proc.rssKiB();
        std::string s1json = "[";
        const int errorsBefore = m_failed + m_pusherErrors + m_closedAfterReady;
        for (int target : checkpoints) {
            const int toOpen = target - int(idle.size());
            if (toOpen <= 0)
                continue;
            const CpuMark a = mark();
            const int ready = openClients(
                idle, toOpen, [&](int i) { return "idle-" + std::to_string(i % m_o.s1Channels); }, "S1");
            const CpuMark b = mark();
            settle(m_o.settleSecs);
            const long rss = m_proc.rssKiB();
            const int errors = m_failed + m_pusherErrors + m_closedAfterReady - errorsBefore;
            const double secs = double(b.wallNs - a.wallNs) / 1e9;
            const double rate = ready / secs;
            const double rssPer = m_proc.valid() ? double(rss - rss0) / double(idle.size()) : NAN;
            const double cpuPer = serverUs(a, b) / toOpen;
            const double cpuStatPer = serverStatUs(a, b) / toOpen;
            const int subscribedNow = int(std::count_if(idle.begin(), idle.end(),
                [](auto &c) { return c->subscribed() && c->state() == WsClient::State::Open; }));
            if (doS1) {
                std::printf(
                    "S1 idle %5d conns: %6d subscribed, connect rate %8.0f /s, RSS %7.2f KiB/conn (total %ld KiB), "
                    "CPU %7.1f us/conn (stat %7.1f), errors %d, gen CPU %5.1f%%\n",
                    target, subscribedNow, rate, rssPer, rss, cpuPer, cpuStatPer, errors, genPct(a, b));
                const std::string n = "S1 " + std::to_string(target) + " idle: ";
                row(n + "connect rate", rate, "conn/s");
                row(n + "server RSS per conn", rssPer, "KiB");
                row(n + "server CPU per conn", cpuPer, "us");
                row(n + "errors", errors, "");
                if (s1json.size() > 1)
                    s1json += ',';
                s1json += Json()
                              .num("conns", target)
                              .num("subscribed", subscribedNow)
                              .num("connect_rate_per_s", rate)
                              .num("rss_kib_per_conn", rssPer)
                              .num("rss_kib_total", double(rss))
                              .num("rss_kib_base", double(rss0))
                              .num("cpu_us_per_conn", cpuPer)
                              .num("cpu_stat_us_per_conn", cpuStatPer)
                              .num("errors", errors)
                              .num("gen_cpu_pct", genPct(a, b))
                              .done();
            }
            if (doS3 && target == m_o.s3IdleConns) {
                idleSt = measureS3(pinger, "idle", subscribedNow);
            }
        }
        s1json += "]";
        if (doS1)
            top.raw("s1", s1json);
        if (doS3) {
            std::printf("S3 ratio idle/none: p50 %.3f  p99 %.3f  (busy-poll p50 %.3f)\n", idleSt.p50 / none.p50,
                idleSt.p99 / none.p99, idleSt.busyP50 / none.busyP50);
            const std::string n = std::to_string(m_o.s3IdleConns);
            row("S3 ping RTT p50, no other conns", none.p50, "us");
            row("S3 ping RTT p99, no other conns", none.p99, "us");
            row("S3 ping RTT p50, " + n + " idle", idleSt.p50, "us");
            row("S3 ping RTT p99, " + n + " idle", idleSt.p99, "us");
            row("S3 p50 ratio idle/none", idleSt.p50 / none.p50, "");
            row("S3 busy-poll RTT p50, no other conns", none.busyP50, "us");
            row("S3 busy-poll RTT p50, " + n + " idle", idleSt.busyP50, "us");
            top.raw("s3",
                Json()
                    .raw("none", none.json)
                    .raw("idle", idleSt.json)
                    .num("ratio_p50", idleSt.p50 / none.p50)
                    .num("ratio_p99", idleSt.p99 / none.p99)
                    .num("busy_ratio_p50", idleSt.busyP50 / none.busyP50)
                    .done());
        }
        closeAll(idle);
        pinger.close();
        settle(2.0); // let the server process the disconnects before the next phase
    }

    std::string makePayload(std::int64_t seq, int size) const
    {
        char head[64];
        const int n = std::snprintf(
            head, sizeof head, "seq=%08lld t=%020lld ", static_cast<long long>(seq), static_cast<long long>(nowNs()));
        std::string p(head, std::size_t(n));
        if (int(p.size()) < size)
            p.append(std::size_t(size - int(p.size())), 'x');
        return p;
    }

    std::string signedPublish(const std::string &channel, const std::string &data) const
    {
        const std::string body = R"({"name":"bench-event","channel":")" + channel + R"(","data":")" + data + "\"}";
        const std::string path = "/apps/" + m_o.appId + "/events";
        const std::string query = "auth_key=" + m_o.key + "&auth_timestamp=" + std::to_string(std::time(nullptr))
            + "&auth_version=1.0&body_md5=" + md5Hex(body);
        const std::string sig = hmacSha256Hex(m_o.secret, "POST\n" + path + "\n" + query);
        std::string req = "POST " + path + "?" + query + "&auth_signature=" + sig + " HTTP/1.1\r\nHost: " + m_hostHeader
            + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        if (m_o.httpClose)
            req += "Connection: close\r\n";
        req += "\r\n";
        req += body;
        return req;
    }

    void resetCounters(std::size_t seqs)
    {
        m_perSeq.assign(seqs, 0);
        m_delivered = 0;
        m_unexpected = 0;
        m_latencies.clear();
        m_httpLat.clear();
        m_httpDone = m_non2xx = m_errorBodies = m_httpErrors = 0;
    }

    std::string latencyPhase(int subs)
    {
        const int warmup = 3;
        const int measured = std::max(1, int(std::lround(m_o.s2aRate * m_o.s2aSecs)));
        const int total = warmup + measured;
        resetCounters(std::size_t(total));
        m_recordLatency = true;
        m_measureFromSeq = warmup;
        m_latencies.reserve(std::size_t(measured) * std::size_t(subs));
        HttpClient pub(m_loop, *this, m_addr);
        pub.connect();
        pumpFor(0.1);
        const std::int64_t interval = secsToNs(1.0 / m_o.s2aRate);
        const CpuMark a = mark();
        std::int64_t next = nowNs();
        int sent = 0;
        std::int64_t hardEnd = next + interval * total + secsToNs(10);
        while (sent < total && nowNs() < hardEnd) {
            if (nowNs() >= next && !pub.busy()) {
                pub.request(signedPublish("bench-fanout", makePayload(sent, m_o.payload)));
                ++sent;
                next += interval;
            }
            const std::int64_t wait = std::max<std::int64_t>(0, next - nowNs());
            m_loop.pollOnce(int(std::min<std::int64_t>(wait / 1'000'000, 10)));
        }
        const std::int64_t expected = std::int64_t(measured) * subs;
        const std::int64_t drainEnd = nowNs() + secsToNs(5);
        while (std::int64_t(m_latencies.size()) < expected && nowNs() < drainEnd)
            m_loop.pollOnce(10);
        pumpFor(0.1);
        const CpuMark b = mark();
        m_recordLatency = false;
        const std::int64_t got = std::int64_t(m_latencies.size());
        const double p50 = percentile(m_latencies, 0.5) / 1e6, p99 = percentile(m_latencies, 0.99) / 1e6;
        const double mx = m_latencies.empty() ? NAN : double(m_latencies.back()) / 1e6;
        std::printf(
            "S2a latency: %d subs, %d publishes at %.0f/s (+%d warm-up): p50 %.2f ms  p99 %.2f ms  max %.2f ms, "
            "received %lld/%lld (loss %lld), http non-2xx %d errors %d, gen CPU %.1f%%\n",
            subs, measured, m_o.s2aRate, warmup, p50, p99, mx, static_cast<long long>(got),
            static_cast<long long>(expected), static_cast<long long>(expected - got), m_non2xx + m_errorBodies,
            m_httpErrors, genPct(a, b));
        row("S2a publish->delivery p50", p50, "ms");
        row("S2a publish->delivery p99", p99, "ms");
        row("S2a publish->delivery max", mx, "ms");
        row("S2a loss", double(expected - got), "msgs");
        return Json()
            .num("subs", subs)
            .num("publishes", measured)
            .num("payload_bytes", m_o.payload)
            .num("expected", double(expected))
            .num("received", double(got))
            .num("loss", double(expected - got))
            .num("p50_ms", p50)
            .num("p99_ms", p99)
            .num("max_ms", mx)
            .num("http_failures", m_non2xx + m_errorBodies + m_httpErrors)
            .num("gen_cpu_pct", genPct(a, b))
            .done();
    }

    // Publishes back to back (next request as soon as the previous response arrived) while at most
    // `s2bWindow` publishes are still incompletely delivered, so the server's send queues stay bounded.
    std::string throughputPhase(const char *name, int subs, int payload)
    {
        const std::size_t maxSeqs = 1'000'000;
        resetCounters(maxSeqs);
        HttpClient pub(m_loop, *this, m_addr);
        pub.connect();
        pumpFor(0.1);
        std::vector<std::int64_t> sentAt;
        std::size_t oldestIncomplete = 0;
        const CpuMark a = mark();
        const std::int64_t end = a.wallNs + secsToNs(m_o.s2bSecs);
        while (nowNs() < end && sentAt.size() < maxSeqs) {
            const std::int64_t now = nowNs();
            while (oldestIncomplete < sentAt.size()
                && (m_perSeq[oldestIncomplete] >= subs || now - sentAt[oldestIncomplete] > secsToNs(2)))
                ++oldestIncomplete;
            if (!pub.busy() && sentAt.size() - oldestIncomplete < std::size_t(m_o.s2bWindow)) {
                pub.request(signedPublish("bench-fanout", makePayload(std::int64_t(sentAt.size()), payload)));
                sentAt.push_back(now);
            }
            m_loop.pollOnce(1);
        }
        const std::int64_t expected = std::int64_t(sentAt.size()) * subs;
        const std::int64_t drainEnd = nowNs() + secsToNs(5);
        while (m_delivered < expected && nowNs() < drainEnd)
            m_loop.pollOnce(10);
        const CpuMark b = mark();
        const double secs = double((m_lastDeliveryNs > a.wallNs ? m_lastDeliveryNs : b.wallNs) - a.wallNs) / 1e9;
        const double rate = double(m_delivered) / secs;
        const double cpuPer = m_delivered ? serverUs(a, b) / double(m_delivered) : NAN;
        const double cpuStatPer = m_delivered ? serverStatUs(a, b) / double(m_delivered) : NAN;
        std::printf(
            "%s throughput: %d B payload, %d subs, %zu publishes: %.0f deliveries/s, server CPU %.2f us/delivery "
            "(stat %.2f), delivered %lld/%lld (loss %lld), http failures %d, gen CPU %.1f%%\n",
            name, payload, subs, sentAt.size(), rate, cpuPer, cpuStatPer, static_cast<long long>(m_delivered),
            static_cast<long long>(expected), static_cast<long long>(expected - m_delivered),
            m_non2xx + m_errorBodies + m_httpErrors, genPct(a, b));
        row(std::string(name) + " deliveries/s (" + std::to_string(payload) + " B)", rate, "/s");
        row(std::string(name) + " server CPU per delivery", cpuPer, "us");
        row(std::string(name) + " loss", double(expected - m_delivered), "msgs");
        return Json()
            .num("subs", subs)
            .num("payload_bytes", payload)
            .num("publishes", double(sentAt.size()))
            .num("expected", double(expected))
            .num("delivered", double(m_delivered))
            .num("loss", double(expected - m_delivered))
            .num("deliveries_per_s", rate)
            .num("cpu_us_per_delivery", cpuPer)
            .num("cpu_stat_us_per_delivery", cpuStatPer)
            .num("http_failures", m_non2xx + m_errorBodies + m_httpErrors)
            .num("gen_cpu_pct", genPct(a, b))
            .done();
    }

    std::string restPhase()
    {
        resetCounters(0);
        std::vector<std::unique_ptr<HttpClient>> clients;
        for (int i = 0; i < m_o.s4Conns; ++i) {
            clients.push_back(std::make_unique<HttpClient>(m_loop, *this, m_addr));
            clients.back()->connect();
        }
        pumpFor(0.2);
        const std::string data = makePayload(0, m_o.payload);
        // The body never changes and auth_timestamp has 1 s resolution, so the signed request is
        // rebuilt once per second instead of per request: keeps MD5/HMAC out of the generator's budget.
        std::time_t cachedAt = 0;
        std::string cached;
        auto nextRequest = [&]() -> const std::string & {
            const std::time_t t = std::time(nullptr);
            if (t != cachedAt) {
                cached = signedPublish("bench-rest-empty", data);
                cachedAt = t;
            }
            return cached;
        };
        bool issuing = true;
        // Every completion immediately issues the next request on the same connection (closed loop).
        m_onHttpDone = [&](HttpClient &c) {
            if (issuing)
                c.request(nextRequest());
        };
        const CpuMark a = mark();
        for (auto &c : clients)
            c->request(nextRequest());
        const std::int64_t end = a.wallNs + secsToNs(m_o.s4Secs);
        while (nowNs() < end)
            m_loop.pollOnce(10);
        issuing = false;
        const int doneAtEnd = m_httpDone + m_httpErrors;
        const std::int64_t drainEnd = nowNs() + secsToNs(3);
        while (nowNs() < drainEnd && std::any_of(clients.begin(), clients.end(), [](auto &c) { return c->busy(); }))
            m_loop.pollOnce(10);
        const CpuMark b = mark();
        m_onHttpDone = nullptr;
        int reconnects = 0;
        for (auto &c : clients)
            reconnects += c->reconnects;
        const double secs = double(b.wallNs - a.wallNs) / 1e9;
        const double rps = m_httpDone / secs;
        const double p50 = percentile(m_httpLat, 0.5) / 1000.0, p99 = percentile(m_httpLat, 0.99) / 1000.0;
        const double cpuPer = m_httpDone ? serverUs(a, b) / m_httpDone : NAN;
        const double cpuStatPer = m_httpDone ? serverStatUs(a, b) / m_httpDone : NAN;
        std::printf("S4 REST: %d conns%s, %.1f s: %d requests, %.0f req/s, p50 %.0f us  p99 %.0f us, non-2xx %d, error "
                    "bodies %d, "
                    "transport errors %d, reconnects %d, server CPU %.1f us/req (stat %.1f), gen CPU %.1f%%\n",
            m_o.s4Conns, m_o.httpClose ? " (Connection: close)" : "", m_o.s4Secs, m_httpDone, rps, p50, p99, m_non2xx,
            m_errorBodies, m_httpErrors, reconnects, cpuPer, cpuStatPer, genPct(a, b));
        (void)doneAtEnd;
        const std::string s4 = m_o.httpClose ? "S4 (Connection: close) " : "S4 ";
        row(s4 + "requests/s", rps, "/s");
        row(s4 + "latency p50", p50, "us");
        row(s4 + "latency p99", p99, "us");
        row(s4 + "non-2xx + errors", m_non2xx + m_errorBodies + m_httpErrors, "");
        row(s4 + "server CPU per request", cpuPer, "us");
        return Json()
            .num("conns", m_o.s4Conns)
            .num("connection_close", m_o.httpClose ? 1 : 0)
            .num("secs", secs)
            .num("requests", m_httpDone)
            .num("req_per_s", rps)
            .num("p50_us", p50)
            .num("p99_us", p99)
            .num("non2xx", m_non2xx)
            .num("error_bodies", m_errorBodies)
            .num("transport_errors", m_httpErrors)
            .num("reconnects", reconnects)
            .num("cpu_us_per_req", cpuPer)
            .num("cpu_stat_us_per_req", cpuStatPer)
            .num("gen_cpu_pct", genPct(a, b))
            .done();
    }

    void row(const std::string &name, double v, const char *unit)
    {
        char b[64];
        if (std::isnan(v))
            std::snprintf(b, sizeof b, "n/a");
        else
            std::snprintf(b, sizeof b, (std::fabs(v) >= 100 || v == std::floor(v)) ? "%.0f %s" : "%.2f %s", v, unit);
        m_rows.emplace_back(name, b);
    }

    std::vector<std::pair<std::string, std::string>> m_rows;
    Options m_o;
    ProcMeter m_proc;
    Loop m_loop;
    sockaddr_in m_addr{};
    std::string m_hostHeader;
    std::string m_wsHostHeader;

    int m_ready = 0, m_failed = 0, m_closedAfterReady = 0, m_pusherErrors = 0, m_closeLogs = 0;
    std::int64_t m_lastPongNs = 0;

    std::vector<int> m_perSeq;
    std::int64_t m_delivered = 0, m_unexpected = 0, m_lastDeliveryNs = 0;
    bool m_recordLatency = false;
    int m_measureFromSeq = 0;
    std::vector<std::int64_t> m_latencies;

    std::vector<std::int64_t> m_httpLat;
    int m_httpDone = 0, m_non2xx = 0, m_errorBodies = 0, m_httpErrors = 0, m_httpLogs = 0;
    std::function<void(HttpClient &)> m_onHttpDone;
};

int selfTest()
{
    struct Case
    {
        std::string got, want;
    };
    const Case cases[] = {
        {md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e"},
        {md5Hex("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6"},
        {toHex(sha256Raw("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {base64("foobar"), "Zm9vYmFy"},
        {base64("fo"), "Zm8="},
        {base64("f"), "Zg=="},
    };
    int bad = 0;
    for (const auto &c : cases)
        if (c.got != c.want) {
            std::printf("self-test mismatch: got %s want %s\n", c.got.c_str(), c.want.c_str());
            ++bad;
        }
    std::printf("self-test: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}

void usage()
{
    std::printf("usage: pusherbench [options]\n"
                "  --ws-host H --ws-port P         server address (default 127.0.0.1:6001; REST uses the same port)\n"
                "  --app-id ID --key K --secret S  app credentials (default app-id/app-key/app-secret)\n"
                "  --server-pid PID                server process for RSS/CPU from /proc (omit: no server figures)\n"
                "  --scenario LIST                 comma list of s1,s2a,s2b,s2c,s3,s4 or all (default all)\n"
                "  --s1-conns 5000,9000            S1 checkpoints (cumulative idle subscribed connections)\n"
                "  --s1-channels 100               idle connection i subscribes to idle-(i %% n)\n"
                "  --s3-idle 5000 --s3-pings 2000  S3 idle connection count and measured pings (after 2000 warm-up),\n"
                "                                  blocking in epoll_wait, then again busy-polling\n"
                "  --subs 1000                     S2 subscribers\n"
                "  --s2a-rate 10 --s2a-secs 3      S2a publish rate and duration\n"
                "  --payload 200 --big-payload 9728  S2a/S2b and S2c data sizes in bytes\n"
                "  --s2b-secs 3 --s2b-window 8     S2b/S2c publishing time and max incompletely delivered publishes\n"
                "  --s4-conns 32 --s4-secs 5       S4 keep-alive connections and duration\n"
                "  --http-close                    S4 sends Connection: close\n"
                "  --browser-headers               WebSocket upgrades carry Chromium's headers and a 600 B cookie\n"

                "  --concurrency 200               max WebSocket handshakes in flight\n"
                "  --label TEXT                    copied into the JSON line\n"
                "  --self-test                     check the bundled MD5/SHA-256/HMAC/Base64 and exit\n");
}

std::vector<int> parseList(const std::string &s)
{
    std::vector<int> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(std::atoi(item.c_str()));
    return out;
}

} // namespace
} // namespace pusherbench

int main(int argc, char **argv)
{
    using namespace pusherbench;
    std::signal(SIGPIPE, SIG_IGN);
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "missing value for %s\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--ws-host")
            o.host = next();
        else if (a == "--ws-port")
            o.port = std::atoi(next().c_str());
        else if (a == "--app-id")
            o.appId = next();
        else if (a == "--key")
            o.key = next();
        else if (a == "--secret")
            o.secret = next();
        else if (a == "--server-pid")
            o.serverPid = std::atoi(next().c_str());
        else if (a == "--scenario")
            for (auto &s : [&] {
                     std::vector<std::string> v;
                     std::stringstream ss(next());
                     std::string x;
                     while (std::getline(ss, x, ','))
                         v.push_back(x);
                     return v;
                 }())
                o.scenarios.insert(s);
        else if (a == "--s1-conns")
            o.s1Conns = parseList(next());
        else if (a == "--s1-channels")
            o.s1Channels = std::max(1, std::atoi(next().c_str()));
        else if (a == "--s3-idle")
            o.s3IdleConns = std::atoi(next().c_str());
        else if (a == "--s3-pings")
            o.s3Pings = std::atoi(next().c_str());
        else if (a == "--subs")
            o.subs = std::atoi(next().c_str());
        else if (a == "--s2a-rate")
            o.s2aRate = std::atof(next().c_str());
        else if (a == "--s2a-secs")
            o.s2aSecs = std::atof(next().c_str());
        else if (a == "--payload")
            o.payload = std::atoi(next().c_str());
        else if (a == "--big-payload")
            o.bigPayload = std::atoi(next().c_str());
        else if (a == "--s2b-secs")
            o.s2bSecs = std::atof(next().c_str());
        else if (a == "--s2b-window")
            o.s2bWindow = std::max(1, std::atoi(next().c_str()));
        else if (a == "--s4-conns")
            o.s4Conns = std::atoi(next().c_str());
        else if (a == "--s4-secs")
            o.s4Secs = std::atof(next().c_str());
        else if (a == "--http-close")
            o.httpClose = true;
        else if (a == "--browser-headers")
            o.browserHeaders = true;
        else if (a == "--concurrency")
            o.concurrency = std::max(1, std::atoi(next().c_str()));
        else if (a == "--label")
            o.label = next();
        else if (a == "--self-test")
            return selfTest();
        else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            usage();
            return 2;
        }
    }
    if (o.scenarios.empty())
        o.scenarios.insert("all");
    // Thousands of sockets: take the hard limit.
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        std::printf("pusherbench: fd limit %llu, server pid %d, target %s:%d\n",
            static_cast<unsigned long long>(rl.rlim_cur), o.serverPid, o.host.c_str(), o.port);
    }
    return Bench(std::move(o)).run();
}
