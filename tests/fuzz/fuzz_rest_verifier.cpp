// SPDX-License-Identifier: GPL-3.0-or-later
// Signed HTTP API requests: RestRequestVerifier::verify, and verifyQuery (its part run before a body is
// read), on a request line, query and body taken from the input: "METHOD TARGET\n" then the body, e.g.
// "POST /apps/app-id/events?auth_key=…\n{…}". The query is decoded like the server does (QUrlQuery, fully
// decoded); the clock is fixed so seeds with auth_timestamp=1700000000 and a correct signature (app-key,
// app-secret) reach the HMAC comparison.
#include <cstddef>
#include <cstdint>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include "FuzzCheck.h"
#include "auth/RestRequestVerifier.h"

using namespace qsoketi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype lineEnd = input.indexOf('\n');
    const QByteArray requestLine = lineEnd < 0 ? input : input.left(lineEnd);
    const QByteArray body = lineEnd < 0 ? QByteArray() : input.mid(lineEnd + 1);
    const qsizetype space = requestLine.indexOf(' ');
    const QByteArray method = space < 0 ? QByteArray("POST") : requestLine.left(space);
    const QByteArray target = space < 0 ? requestLine : requestLine.mid(space + 1);

    const qsizetype q = target.indexOf('?');
    const QString path = QString::fromUtf8(q < 0 ? target : target.left(q));
    QList<QPair<QString, QString>> query;
    if (q >= 0) {
        const QUrlQuery parsed(QString::fromUtf8(target.mid(q + 1)));
        for (const auto &[k, v] : parsed.queryItems(QUrl::FullyDecoded))
            query.append({k, v});
    }

    const auto failure = RestRequestVerifier::verify(method, path, query, body, u"app-key", "app-secret", 1700000000);
    if (failure) {
        FUZZ_CHECK(failure->status == 401 || failure->status == 403);
        FUZZ_CHECK(!failure->message.isEmpty());
    }
    // The check made before a body is read refuses nothing that verify() would let through, and for the
    // same reason.
    if (const auto early = RestRequestVerifier::verifyQuery(query, u"app-key", 1700000000)) {
        FUZZ_CHECK(failure.has_value());
        FUZZ_CHECK(failure->status == early->status && failure->message == early->message);
    }
    const QByteArray signedText = RestRequestVerifier::stringToSign(method, path, query);
    FUZZ_CHECK(signedText.startsWith(QByteArray(method.toUpper() + '\n')));
    return 0;
}
