// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/HttpRequestParser.h"

#include <QUrl>
#include <QUrlQuery>

namespace qsoketi {

namespace {

// tchar of RFC 9110 §5.6.2: what a method, a header name or a transfer coding may be made of.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimOws(QByteArrayView text)
{
    while (!text.isEmpty() && isOws(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isOws(text.back()))
        text.chop(1);
    return text;
}

// Whether a comma-separated header value (Connection, Upgrade) lists `token`, case-insensitively.
bool listHasToken(QByteArrayView list, QByteArrayView token)
{
    qsizetype start = 0;
    while (start <= list.size()) {
        qsizetype comma = list.indexOf(',', start);
        if (comma < 0)
            comma = list.size();
        if (trimOws(list.sliced(start, comma - start)).compare(token, Qt::CaseInsensitive) == 0)
            return true;
        start = comma + 1;
    }
    return false;
}

} // namespace

HttpRequestParser::HttpRequestParser()
    : HttpRequestParser(Limits{})
{}

HttpRequestParser::HttpRequestParser(Limits limits)
    : m_limits(limits)
{}

void HttpRequestParser::feed(QByteArrayView bytes)
{
    if (m_state == State::Error || bytes.isEmpty())
        return;
    if (m_pos == m_buffer.size()) {
        // Nothing pending: a body goes straight where it belongs instead of through the buffer.
        m_buffer.clear();
        m_pos = 0;
        m_scanFrom = 0;
        m_headEnd = 0;
        if (m_state == State::Body || m_state == State::SkipBody) {
            const qsizetype take = qsizetype(qMin<qint64>(m_bodyRemaining, bytes.size()));
            if (m_state == State::Body)
                m_request.body.append(bytes.first(take));
            m_bodyRemaining -= take;
            bytes = bytes.sliced(take);
        }
    } else if (m_pos >= m_buffer.size() / 2) {
        compact();
    }
    m_buffer.append(bytes);
}

void HttpRequestParser::compact()
{
    m_buffer.remove(0, m_pos);
    m_scanFrom = qMax<qsizetype>(0, m_scanFrom - m_pos);
    m_headEnd = qMax<qsizetype>(0, m_headEnd - m_pos);
    m_pos = 0;
}

HttpRequestParser::Result HttpRequestParser::next()
{
    for (;;) {
        switch (m_state) {
        case State::Error:
            return Result::Error;
        case State::Head:
            return findHead();
        case State::HeadReady:
            m_pos = m_headEnd;
            m_scanFrom = m_pos;
            m_skippedLines = 0;
            m_bodyRemaining = m_contentLength;
            m_state = m_skip ? State::SkipBody : State::Body;
            // Room for a common body at once (the limit was checked with the head); larger ones grow.
            if (!m_skip && m_contentLength > 0)
                m_request.body.reserve(qsizetype(qMin<qint64>(m_contentLength, 4 * 1024 * 1024)));
            break;
        case State::Body:
        case State::SkipBody: {
            const qsizetype take = qsizetype(qMin<qint64>(m_bodyRemaining, m_buffer.size() - m_pos));
            if (m_state == State::Body)
                m_request.body.append(QByteArrayView(m_buffer).sliced(m_pos, take));
            m_pos += take;
            m_bodyRemaining -= take;
            if (m_bodyRemaining > 0)
                return Result::NeedMore;
            const bool skipped = m_state == State::SkipBody;
            m_state = State::Head;
            m_scanFrom = m_pos;
            m_skip = false;
            if (!skipped)
                return Result::Request;
            m_request = HttpRequest{};
            break;
        }
        }
    }
}

HttpRequestParser::Result HttpRequestParser::findHead()
{
    const char *data = m_buffer.constData();
    const qsizetype size = m_buffer.size();
    // Empty lines before a request line are ignored (RFC 9112 §2.2); they count toward the limit.
    while (m_scanFrom == m_pos && size - m_pos >= 2 && data[m_pos] == '\r' && data[m_pos + 1] == '\n') {
        m_pos += 2;
        m_scanFrom = m_pos;
        m_skippedLines += 2;
    }
    if (m_skippedLines >= m_limits.maxHeaderBytes)
        return fail(400, QStringLiteral("Too many empty lines before the request line."));
    // One pass over each byte as it arrives: the end of the head, and the bytes no head may hold.
    qsizetype i = m_scanFrom;
    qsizetype end = -1;
    for (; i < size; ++i) {
        const char c = data[i];
        if (c == '\0')
            return fail(400, QStringLiteral("The request head contains a NUL byte."));
        if (c == '\r') {
            if (i + 1 == size)
                break; // its LF has not arrived yet
            if (data[i + 1] != '\n')
                return fail(400, QStringLiteral("The request head contains a CR without LF."));
        } else if (c == '\n') {
            if (i == m_pos || data[i - 1] != '\r')
                return fail(400, QStringLiteral("The request head contains an LF without CR."));
            if (i - 3 >= m_pos && data[i - 2] == '\n' && data[i - 3] == '\r') {
                end = i + 1;
                break;
            }
        }
        if (i - m_pos + m_skippedLines >= m_limits.maxHeaderBytes)
            break;
    }
    m_scanFrom = i;
    const qsizetype headBytes = (end < 0 ? i : end) - m_pos + m_skippedLines;
    if (headBytes > m_limits.maxHeaderBytes || (end < 0 && headBytes >= m_limits.maxHeaderBytes)) {
        const qsizetype lineEnd = QByteArrayView(m_buffer).sliced(m_pos, i - m_pos).indexOf("\r\n");
        if (lineEnd < 0)
            return fail(414, QStringLiteral("The request line is too long."));
        return fail(431, QStringLiteral("The request headers are too large."));
    }
    if (end < 0)
        return Result::NeedMore;
    m_headEnd = end;
    if (!parseHead(QByteArrayView(m_buffer).sliced(m_pos, end - 4 - m_pos)))
        return Result::Error;
    m_state = State::HeadReady;
    return Result::Head;
}

bool HttpRequestParser::parseHead(QByteArrayView head)
{
    m_request = HttpRequest{};
    m_contentLength = 0;
    m_keepAlive = true;
    m_http10 = false;
    m_upgrade = false;
    m_skip = false;
    qsizetype start = 0;
    bool first = true;
    while (start <= head.size()) {
        qsizetype lineEnd = head.indexOf("\r\n", start);
        if (lineEnd < 0)
            lineEnd = head.size();
        const QByteArrayView line = head.sliced(start, lineEnd - start);
        if (!(first ? parseRequestLine(line) : parseFieldLine(line)))
            return false;
        first = false;
        start = lineEnd + 2;
    }
    return checkFraming();
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line)
{
    // method SP request-target SP HTTP-version, with exactly one space each (RFC 9112 §3).
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
        fail(400, QStringLiteral("The request line is not METHOD TARGET HTTP/1.x."));
        return false;
    }
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(method)) {
        fail(400, QStringLiteral("The request method is not a token."));
        return false;
    }
    bool targetOk = !target.isEmpty();
    for (char c : target)
        targetOk = targetOk && c > ' ' && c < 0x7f; // visible ASCII: no space, control or 8-bit byte
    if (!targetOk) {
        fail(400, QStringLiteral("The request target is empty or holds a byte a URI may not."));
        return false;
    }
    if (version.size() != 8 || !version.startsWith("HTTP/") || !QChar::isDigit(uchar(version[5])) || version[6] != '.'
        || !QChar::isDigit(uchar(version[7]))) {
        fail(400, QStringLiteral("The request line is not METHOD TARGET HTTP/1.x."));
        return false;
    }
    if (version[5] != '1') {
        fail(505, QStringLiteral("Only HTTP/1.0 and HTTP/1.1 are supported."));
        return false;
    }
    m_request.method = method.toByteArray().toUpper();
    m_http10 = version[7] == '0';
    const qsizetype q = target.indexOf('?');
    m_request.rawPath = (q < 0 ? target : target.first(q)).toByteArray();
    m_request.path = QUrl::fromPercentEncoding(m_request.rawPath);
    if (q >= 0) {
        const QUrlQuery query(QString::fromUtf8(target.sliced(q + 1)));
        for (const auto &[k, v] : query.queryItems(QUrl::FullyDecoded))
            m_request.query.append({k, v});
    }
    return true;
}

bool HttpRequestParser::parseFieldLine(QByteArrayView line)
{
    if (!line.isEmpty() && isOws(line.front())) {
        fail(400, QStringLiteral("Folded header lines (obs-fold) are not accepted."));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0 || !isToken(line.first(colon))) {
        // Also "Name : value": whitespace before the colon is refused (RFC 9112 §5.1).
        fail(400, QStringLiteral("A header line is not NAME: VALUE."));
        return false;
    }
    const QByteArrayView value = trimOws(line.sliced(colon + 1));
    for (char c : value) {
        if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f) {
            fail(400, QStringLiteral("A header value contains a control character."));
            return false;
        }
    }
    const QByteArray name = line.first(colon).toByteArray().toLower();
    auto it = m_request.headers.find(name);
    if (it == m_request.headers.end()) {
        m_request.headers.insert(name, value.toByteArray());
        return true;
    }
    // Two framing or Host fields are how one request is read as two (RFC 9112 §3.2, §6.3).
    if (name == "content-length" || name == "transfer-encoding" || name == "host") {
        fail(400, QStringLiteral("The request has more than one %1 header.").arg(QLatin1String(name)));
        return false;
    }
    it->append(", ");
    it->append(value);
    return true;
}

bool HttpRequestParser::checkFraming()
{
    const auto te = m_request.headers.constFind("transfer-encoding");
    const auto cl = m_request.headers.constFind("content-length");
    if (te != m_request.headers.constEnd()) {
        if (cl != m_request.headers.constEnd()) {
            fail(400, QStringLiteral("Transfer-Encoding and Content-Length together are not accepted."));
            return false;
        }
        if (m_http10) {
            fail(400, QStringLiteral("Transfer-Encoding is not defined in HTTP/1.0."));
            return false;
        }
        // A list of codings (each a token, maybe with ;parameters) whose last one, and only that one,
        // is chunked; anything else leaves the body's length unknown (RFC 9112 §6.3): 400.
        const QByteArrayView list(*te);
        qsizetype start = 0;
        bool chunkedLast = false;
        bool valid = true;
        while (valid && start <= list.size()) {
            qsizetype comma = list.indexOf(',', start);
            if (comma < 0)
                comma = list.size();
            QByteArrayView coding = trimOws(list.sliced(start, comma - start));
            if (const qsizetype semicolon = coding.indexOf(';'); semicolon >= 0)
                coding = trimOws(coding.first(semicolon));
            valid = isToken(coding) && !chunkedLast;
            chunkedLast = coding.compare("chunked", Qt::CaseInsensitive) == 0;
            start = comma + 1;
        }
        if (!valid || !chunkedLast) {
            fail(400, QStringLiteral("Invalid Transfer-Encoding."));
            return false;
        }
        fail(411, QStringLiteral("Chunked request bodies are not supported: send a Content-Length."));
        return false;
    }
    if (cl != m_request.headers.constEnd()) {
        // 1*DIGIT and nothing else: no sign, no list, no spaces inside (RFC 9110 §8.6).
        const QByteArray &length = *cl;
        bool digits = !length.isEmpty() && length.size() <= 18; // 18 digits cannot overflow qint64
        for (char c : length)
            digits = digits && c >= '0' && c <= '9';
        if (!digits) {
            fail(400, QStringLiteral("Invalid Content-Length."));
            return false;
        }
        m_contentLength = length.toLongLong();
        if (m_contentLength > m_limits.maxBodyBytes) {
            fail(413, QStringLiteral("The payload size is too big."));
            return false;
        }
    }
    const QByteArray connection = m_request.headers.value("connection");
    m_keepAlive = m_http10 ? listHasToken(connection, "keep-alive") : !listHasToken(connection, "close");
    m_upgrade = listHasToken(m_request.headers.value("upgrade"), "websocket");
    return true;
}

HttpRequestParser::Result HttpRequestParser::fail(int status, const QString &message)
{
    m_state = State::Error;
    m_error = Error{status, message};
    m_buffer.clear();
    m_pos = 0;
    m_scanFrom = 0;
    m_keepAlive = false;
    return Result::Error;
}

void HttpRequestParser::skipBody()
{
    if (m_state == State::HeadReady)
        m_skip = true;
}

QByteArray HttpRequestParser::takeUnconsumed()
{
    QByteArray rest = m_buffer.mid(m_pos);
    *this = HttpRequestParser(m_limits);
    return rest;
}

HttpRequest HttpRequestParser::takeRequest()
{
    HttpRequest request = std::move(m_request);
    m_request = HttpRequest{};
    return request;
}

} // namespace qsoketi
