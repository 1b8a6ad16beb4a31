// SPDX-License-Identifier: GPL-3.0-or-later
// Per-app allowedOrigins (issue 14): the matching rules, where the list comes from (config file,
// SOKETI_DEFAULT_APP_ALLOWED_ORIGINS, the optional SQL column, soketi rows without it) and a real server
// refusing a WebSocket from another Origin with 4009 after the upgrade, counted in the metrics.
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QSqlField>
#include <QSqlRecord>
#include <QTest>
#include <QWebSocket>

#include "LoopbackConfig.h"
#include "ServerCore.h"
#include "apps/AppColumns.h"
#include "apps/SqlAppSchema.h"
#include "auth/OriginAllowList.h"
#include "config/ConfigLoader.h"
#include "metrics/MetricsRegistry.h"

#include <prometheus/counter.h>

using namespace qsoketi;

namespace {

QSqlRecord record(const QList<QPair<QString, QVariant>> &columns)
{
    QSqlRecord result;
    for (const auto &[name, value] : columns) {
        QSqlField field(name, value.metaType());
        field.setValue(value);
        result.append(field);
    }
    return result;
}

double originRefusals(const MetricsRegistry &registry)
{
    double sum = 0;
    for (const auto &family : registry.collect().families)
        if (family.name == "soketi_ws_origin_refused_total")
            for (const auto &m : family.metric)
                sum += m.counter.value;
    return sum;
}

} // namespace

class TestOriginAllowList final : public QObject
{
    Q_OBJECT

private slots:
    void matching_data()
    {
        QTest::addColumn<QStringList>("allowed");
        QTest::addColumn<QString>("origin");
        QTest::addColumn<bool>("allows");
        const QStringList site{QStringLiteral("https://app.example.com")};
        const QStringList wildcard{QStringLiteral("https://*.example.com")};
        QTest::newRow("unset: any") << QStringList() << "https://evil.test" << true;
        QTest::newRow("no Origin header") << site << "" << true;
        QTest::newRow("star") << QStringList{"*"} << "https://evil.test" << true;
        QTest::newRow("exact") << site << "https://app.example.com" << true;
        QTest::newRow("host case") << site << "https://APP.Example.com" << true;
        QTest::newRow("other host") << site << "https://evil.test" << false;
        QTest::newRow("other scheme") << site << "http://app.example.com" << false;
        QTest::newRow("other port") << site << "https://app.example.com:8443" << false;
        QTest::newRow("default port written out") << site << "https://app.example.com:443" << true;
        QTest::newRow("suffix is not a subdomain") << site << "https://evilapp.example.com" << false;
        QTest::newRow("wildcard: subdomain") << wildcard << "https://a.example.com" << true;
        QTest::newRow("wildcard: deeper") << wildcard << "https://a.b.example.com" << true;
        QTest::newRow("wildcard: not the domain itself") << wildcard << "https://example.com" << false;
        QTest::newRow("wildcard: not a look-alike") << wildcard << "https://evilexample.com" << false;
        QTest::newRow("wildcard: scheme counts") << wildcard << "http://a.example.com" << false;
        QTest::newRow("no scheme: any scheme") << QStringList{"*.example.com"} << "http://a.example.com" << true;
        QTest::newRow("port") << QStringList{"http://localhost:3000"} << "http://localhost:3000" << true;
        QTest::newRow("port differs") << QStringList{"http://localhost:3000"} << "http://localhost:3001" << false;
        QTest::newRow("null origin refused") << site << "null" << false;
        QTest::newRow("null origin allowed") << QStringList{"null"} << "null" << true;
        QTest::newRow("second entry") << QStringList{"https://a.test", "https://b.test"} << "https://b.test" << true;
    }
    void matching()
    {
        QFETCH(QStringList, allowed);
        QFETCH(QString, origin);
        QFETCH(bool, allows);
        QCOMPARE(OriginAllowList::allows(allowed, origin), allows);
    }

    void parsingAndChecks()
    {
        QCOMPARE(OriginAllowList::parse(QStringLiteral(" https://A.test/, https://*.b.test  http://c.test:8080 ")),
            (QStringList{"https://a.test", "https://*.b.test", "http://c.test:8080"}));
        QCOMPARE(
            OriginAllowList::parse(QStringLiteral("[\"https://a.test\",\"*\"]")), (QStringList{"https://a.test", "*"}));
        QCOMPARE(OriginAllowList::parse(QString()), QStringList());
        for (const char *good : {"*", "null", "https://a.test", "https://*.a.test", "a.test", "http://[::1]:8080"})
            QVERIFY2(OriginAllowList::checkEntry(QLatin1String(good)).isEmpty(), good);
        for (const char *bad : {"https://a.test/path", "https://a b", "https://*", "ftp:/x"})
            QVERIFY2(!OriginAllowList::checkEntry(QLatin1String(bad)).isEmpty(), bad);
    }

    void fromTheEnvironmentAndTheConfigFile()
    {
        QProcessEnvironment env;
        env.insert(
            QStringLiteral("SOKETI_DEFAULT_APP_ALLOWED_ORIGINS"), QStringLiteral("https://a.test,https://*.b.test"));
        ConfigResult result = ConfigLoader::load({}, env, {});
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        QCOMPARE(result.config.apps.first().allowedOrigins, (QStringList{"https://a.test", "https://*.b.test"}));

        env.insert(QStringLiteral("SOKETI_DEFAULT_APP_ALLOWED_ORIGINS"), QStringLiteral("https://a.test/x"));
        result = ConfigLoader::load({}, env, {});
        QVERIFY(!result.ok());
        QVERIFY2(result.errors.join(u'\n').contains(u"SOKETI_DEFAULT_APP_ALLOWED_ORIGINS"),
            qPrintable(result.errors.join(u'\n')));

        const ServerConfig defaults;
        QVERIFY(defaults.apps.first().allowedOrigins.isEmpty()); // unset = any origin, as before
    }

    void sqlColumnIsOptional()
    {
        // soketi's table has no allowed_origins: every origin, as before.
        const App plain = AppColumns::fromRecord(record({{"id", "1"}, {"key", "k"}, {"secret", "s"}}), App{});
        QVERIFY(plain.allowedOrigins.isEmpty());
        const App listed = AppColumns::fromRecord(record({{"id", "1"}, {"key", "k"}, {"secret", "s"},
                                                      {"allowed_origins", "https://a.test, https://*.b.test"}}),
            App{});
        QCOMPARE(listed.allowedOrigins, (QStringList{"https://a.test", "https://*.b.test"}));
        const App json = AppColumns::fromRecord(
            record({{"id", "1"}, {"key", "k"}, {"secret", "s"}, {"allowed_origins", "[\"https://a.test\"]"}}), App{});
        QCOMPARE(json.allowedOrigins, (QStringList{"https://a.test"}));
        const App null = AppColumns::fromRecord(record({{"id", "1"}, {"key", "k"}, {"secret", "s"},
                                                    {"allowed_origins", QVariant(QMetaType(QMetaType::QString))}}),
            App{});
        QVERIFY(null.allowedOrigins.isEmpty());

        const AppColumns::Field *field = AppColumns::find(QStringLiteral("allowedOrigins"));
        QVERIFY(field);
        QVERIFY(field->extension);
        QVariant stored;
        QString error;
        QVERIFY(AppColumns::validate(*field, QJsonArray{QStringLiteral("https://a.test")}, &stored, &error));
        QCOMPARE(stored.toString(), QStringLiteral("https://a.test"));
        QVERIFY(AppColumns::validate(*field, QStringLiteral(""), &stored, &error));
        QVERIFY(stored.isNull()); // none listed: NULL, every origin
        QVERIFY(!AppColumns::validate(*field, QStringLiteral("https://a.test/path"), &stored, &error));
        QVERIFY(error.contains(u"allowedOrigins"));
        // qsoketi's own SQLite table has the column; a soketi table gets it with addColumn's hint.
        QVERIFY(SqlAppSchema::createTable(AppStoreConfig::Driver::Sqlite, QStringLiteral("\"apps\""))
                    .contains(u"\"allowed_origins\" TEXT"));
        QCOMPARE(AppColumns::toJson(listed, false).value(u"allowedOrigins").toString(),
            QStringLiteral("https://a.test,https://*.b.test"));
    }

    // A real server: pages from the listed origins connect, others get 4009 after the upgrade.
    void serverRefusesOtherOrigins()
    {
        ServerConfig config = test::loopbackConfig();
        config.apps.first().allowedOrigins = {
            QStringLiteral("https://app.example.com"), QStringLiteral("https://*.example.org")};
        ServerCore server(config);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));

        const auto connectFrom = [&](const QString &origin, QWebSocket &ws) {
            QNetworkRequest request(
                QUrl(QStringLiteral("ws://127.0.0.1:%1/app/app-key?protocol=7").arg(server.port())));
            if (!origin.isEmpty())
                request.setRawHeader("Origin", origin.toUtf8());
            ws.open(request);
        };
        const auto established = [](QWebSocket &ws, QStringList &received) {
            QObject::connect(
                &ws, &QWebSocket::textMessageReceived, &ws, [&received](const QString &m) { received.append(m); });
        };
        for (const char *origin : {"https://app.example.com", "https://shop.example.org", ""}) {
            QWebSocket ws;
            QStringList received;
            established(ws, received);
            connectFrom(QLatin1String(origin), ws);
            QTRY_VERIFY2(!received.isEmpty(), origin);
            QVERIFY2(received.first().contains(u"pusher:connection_established"), origin);
        }
        QCOMPARE(originRefusals(server.metrics()), 0.0);
        for (const char *origin : {"https://evil.test", "https://example.org", "http://app.example.com"}) {
            QWebSocket ws;
            QStringList received;
            established(ws, received);
            QSignalSpy closed(&ws, &QWebSocket::disconnected);
            connectFrom(QLatin1String(origin), ws);
            QVERIFY2(closed.wait(3000), origin);
            QCOMPARE(int(ws.closeCode()), 4009);
            QVERIFY2(received.size() == 1 && received.first().contains(u"4009"), qPrintable(received.join(u' ')));
            QVERIFY(!received.first().contains(u"connection_established"));
        }
        QCOMPARE(originRefusals(server.metrics()), 3.0);
    }
};

QTEST_GUILESS_MAIN(TestOriginAllowList)
#include "tst_originallowlist.moc"
