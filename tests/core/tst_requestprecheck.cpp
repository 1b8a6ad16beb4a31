// SPDX-License-Identifier: GPL-3.0-or-later
// RequestPrecheck: which heads are refused before their body is read, and with RestApi's answers.
#include <QTest>

#include "apps/AppDirectory.h"
#include "config/ServerConfig.h"
#include "rest/RequestPrecheck.h"

using namespace qsoketi;

namespace {

const qint64 now = 1700000000;

HttpRequest head(const QByteArray &method, const QString &path, const QString &query)
{
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.rawPath = path.toUtf8();
    for (const QString &pair : query.split(u'&', Qt::SkipEmptyParts))
        request.query.append({pair.section(u'=', 0, 0), pair.section(u'=', 1)});
    return request;
}

} // namespace

class TestRequestPrecheck final : public QObject
{
    Q_OBJECT

private slots:
    void check_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("status"); // 0: read the body
        QTest::addColumn<QString>("message");
        const QString signedQuery = QStringLiteral("auth_key=app-key&auth_timestamp=%1&auth_signature=x").arg(now);
        QTest::newRow("signed") << "" << QByteArray("POST") << "/apps/app-id/events" << signedQuery << 0 << "";
        QTest::newRow("bad signature is RestApi's to find")
            << "" << QByteArray("POST") << "/apps/app-id/events"
            << QStringLiteral("auth_key=app-key&auth_timestamp=%1&auth_signature=0").arg(now) << 0 << "";
        QTest::newRow("unknown app") << "" << QByteArray("POST") << "/apps/nope/events" << signedQuery << 404
                                     << "The app nope could not be found.";
        QTest::newRow("unsigned") << "" << QByteArray("POST") << "/apps/app-id/events"
                                  << "" << 401
                                  << "The request must be signed: auth_key, auth_timestamp and auth_signature are "
                                     "required.";
        QTest::newRow("another app's key")
            << "" << QByteArray("GET") << "/apps/app-id/channels"
            << QStringLiteral("auth_key=other&auth_timestamp=%1&auth_signature=x").arg(now) << 401
            << "The auth_key does not belong to this app.";
        QTest::newRow("stale") << "" << QByteArray("POST") << "/apps/app-id/events"
                               << QStringLiteral("auth_key=app-key&auth_timestamp=%1&auth_signature=x").arg(now - 601)
                               << 401
                               << "The auth_timestamp is more than 600 seconds away from the server time; check the "
                                  "clock.";
        // Not an app route, or answered before any app is looked at: left to RestApi.
        QTest::newRow("health") << "" << QByteArray("POST") << "/"
                                << "" << 0 << "";
        QTest::newRow("OPTIONS preflight") << "" << QByteArray("OPTIONS") << "/apps/nope/events"
                                           << "" << 0 << "";
        QTest::newRow("/apps/{id} alone") << "" << QByteArray("POST") << "/apps/nope"
                                          << "" << 0 << "";
        QTest::newRow("/appsx/...") << "" << QByteArray("POST") << "/appsx/nope/events"
                                    << "" << 0 << "";
        QTest::newRow("prefix") << "/ws" << QByteArray("POST") << "/ws/apps/nope/events"
                                << "" << 404 << "The app nope could not be found.";
        QTest::newRow("outside the prefix") << "/ws" << QByteArray("POST") << "/apps/nope/events"
                                            << "" << 0 << "";
    }
    void check()
    {
        QFETCH(QString, prefix);
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QString, query);
        QFETCH(int, status);
        QFETCH(QString, message);
        ServerConfig config;
        config.pathPrefix = prefix;
        const AppDirectory apps(config.appStore);
        const RequestPrecheck precheck(config, apps);
        const std::optional<HttpResponse> answer = precheck.check(head(method, path, query), now);
        QCOMPARE(answer ? answer->status : 0, status);
        if (answer)
            QCOMPARE(answer->body, HttpResponse::error(status, message).body);
    }
};

QTEST_APPLESS_MAIN(TestRequestPrecheck)
#include "tst_requestprecheck.moc"
