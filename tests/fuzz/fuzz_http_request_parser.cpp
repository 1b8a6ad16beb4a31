// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.1 request framing (HttpRequestParser) on the main and metrics ports. The first input byte picks
// a chunk size (1 to 64) and whether every other body is skipped; the rest is the byte stream. Fed all at
// once and fed in chunks, the parser must give the same requests and the same error: a client may split
// its bytes anywhere.
#include <cstddef>
#include <cstdint>

#include <QByteArray>
#include <QList>

#include "FuzzCheck.h"
#include "rest/HttpRequestParser.h"

using namespace qsoketi;

namespace {

// What a connection would see, as text: one line per request head, request and error.
QByteArray run(QByteArrayView stream, qsizetype chunk, bool skipEveryOtherBody)
{
    HttpRequestParser parser;
    QByteArray seen;
    int heads = 0;
    for (qsizetype fed = 0; fed < stream.size();) {
        const qsizetype length = std::min(chunk, stream.size() - fed);
        parser.feed(stream.sliced(fed, length));
        fed += length;
        for (HttpRequestParser::Result result = parser.next(); result != HttpRequestParser::Result::NeedMore;
             result = parser.next()) {
            switch (result) {
            case HttpRequestParser::Result::NeedMore:
                break;
            case HttpRequestParser::Result::Head:
                seen += "head " + parser.head().method + ' ' + parser.head().rawPath + ' '
                    + QByteArray::number(parser.contentLength()) + '\n';
                if (parser.isUpgrade()) // the connection hands these bytes and all later ones over
                    return seen + "upgrade " + parser.takeUnconsumed() + stream.sliced(fed).toByteArray() + '\n';
                if (skipEveryOtherBody && ++heads % 2 == 0)
                    parser.skipBody();
                break;
            case HttpRequestParser::Result::Request: {
                const HttpRequest request = parser.takeRequest();
                FUZZ_CHECK(!request.method.isEmpty());
                seen += "request " + request.method + ' ' + request.rawPath + ' '
                    + QByteArray::number(request.query.size()) + ' ' + QByteArray::number(request.headers.size()) + ' '
                    + request.body + '\n';
                break;
            }
            case HttpRequestParser::Result::Error:
                FUZZ_CHECK(parser.error().status >= 400 && parser.error().status <= 505);
                FUZZ_CHECK(parser.next() == HttpRequestParser::Result::Error);
                return seen + "error " + QByteArray::number(parser.error().status) + '\n';
            }
        }
        FUZZ_CHECK(parser.bufferedBytes() >= 0);
    }
    return seen;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype chunk = 1 + (data[0] & 0x3f);
    const bool skip = data[0] & 0x40;
    const QByteArrayView stream(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);
    FUZZ_CHECK(run(stream, stream.size() + 1, skip) == run(stream, chunk, skip));
    return 0;
}
