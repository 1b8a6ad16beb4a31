// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "rest/HttpRequest.h"

namespace qsoketi {

// HTTP/1.1 request framing (RFC 9112) without a socket: bytes in, requests out, so it can be tested
// table by table and fuzzed. Used by HttpConnection on the main and metrics ports.
//
//   parser.feed(bytes);
//   for (;;) switch (parser.next()) {
//       case Result::NeedMore: return;                        // feed more bytes first
//       case Result::Head:     look at head(); maybe skipBody() or takeUnconsumed(); break;
//       case Result::Request:  handle(parser.takeRequest()); break;
//       case Result::Error:    answer error().status and close; return;
//   }
//
// It is strict where leniency lets a request be read two ways (request smuggling behind a proxy that
// reads it differently): a duplicate Content-Length, Host or Transfer-Encoding, whitespace before a
// header's colon, folded header lines, a Content-Length that is not plain digits, NUL or other control
// bytes, a bare CR or LF, or Transfer-Encoding together with Content-Length are refused with 400.
// Chunked bodies are not supported (411: the Pusher HTTP API always sends a Content-Length).
class HttpRequestParser
{
public:
    struct Limits
    {
        // The request line and header lines together; past it 431 (414 when the request line alone is).
        qsizetype maxHeaderBytes = 16 * 1024;
        // A larger Content-Length is answered 413 before any of the body is read.
        qint64 maxBodyBytes = 4 * 1024 * 1024;
    };

    enum class Result
    {
        NeedMore, // nothing complete yet: feed more bytes
        Head, // a request head is complete: head(), contentLength(), isUpgrade(), keepAlive() describe it
        Request, // a whole request (head and body) is ready: takeRequest()
        Error, // the stream is not valid HTTP/1.1 or breaks a limit: error(); the connection must close
    };

    struct Error
    {
        int status = 0; // 400, 411, 413, 414, 431 or 505
        QString message; // one line for soketi's {"error": …} body
    };

    HttpRequestParser();
    explicit HttpRequestParser(Limits limits);

    // Appends bytes as they arrive, in any split (one byte at a time works the same as all at once).
    void feed(QByteArrayView bytes);
    // Advances as far as the bytes fed so far allow. After Head, the next call goes on to the body
    // (collected, or discarded after skipBody()). After Error it keeps returning Error.
    Result next();

    // The head just reported (its body still empty); valid until the next call to next().
    const HttpRequest &head() const { return m_request; }
    qint64 contentLength() const { return m_contentLength; }
    // "Upgrade: websocket" was asked for.
    bool isUpgrade() const { return m_upgrade; }
    // Whether the connection stays open after this request (HTTP/1.1 unless "close", HTTP/1.0 only
    // with "keep-alive"). Valid from Head until the next head.
    bool keepAlive() const { return m_keepAlive; }

    // After Head: the body will be read and thrown away, never held; next() then goes on with the next
    // request. For an answer sent before the body was read (auth refused, server busy).
    void skipBody();
    // After Head: every byte from the start of this request's head on (what an upgrade hands over to
    // the WebSocket server), and the parser starts afresh.
    QByteArray takeUnconsumed();

    // After Request: the request with its body; the parser goes on with the bytes after it.
    HttpRequest takeRequest();

    const Error &error() const { return m_error; }
    // Part of a head has arrived but not all of it (the connection's header deadline runs).
    bool isReadingHead() const { return m_state == State::Head && (m_pos < m_buffer.size() || m_skippedLines > 0); }
    // Bytes fed but not yet consumed (a head being read, or requests pipelined behind the current one).
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos; }

private:
    enum class State
    {
        Head,
        HeadReady,
        Body,
        SkipBody,
        Error
    };

    Result findHead();
    bool parseHead(QByteArrayView head);
    bool parseRequestLine(QByteArrayView line);
    bool parseFieldLine(QByteArrayView line);
    bool checkFraming();
    Result fail(int status, const QString &message);
    void compact();

    Limits m_limits;
    State m_state = State::Head;
    QByteArray m_buffer;
    qsizetype m_pos = 0; // first byte not consumed
    qsizetype m_scanFrom = 0; // where the search for the end of the head resumes
    qsizetype m_headEnd = 0; // after Head: one past the blank line
    qsizetype m_skippedLines = 0; // bytes of empty lines before the request line (count toward the limit)
    qint64 m_contentLength = 0;
    qint64 m_bodyRemaining = 0;
    bool m_keepAlive = true;
    bool m_http10 = false;
    bool m_upgrade = false;
    bool m_skip = false;
    HttpRequest m_request;
    Error m_error;
};

} // namespace qsoketi
