// SPDX-License-Identifier: GPL-3.0-or-later
// AppColumns: how a row of soketi's table becomes an App (spec §3: NULL or '' = the server default, flags
// as bool, integer or text), which values a write accepts, and what JSON output hides.
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlField>
#include <QSqlRecord>
#include <QTest>

#include "apps/AppColumns.h"

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

App defaults()
{
    App app;
    app.maxPresenceMembersPerChannel = 77;
    app.maxEventPayloadInKb = 33;
    return app;
}

} // namespace

class TestAppColumns final : public QObject
{
    Q_OBJECT

private slots:
    void readsColumns_data();
    void readsColumns();
    void missingColumnsKeepDefaults();
    void validate_data();
    void validate();
    void jsonHidesSecretsUnlessAsked();
    void findsByNameOrColumn();
};

void TestAppColumns::readsColumns_data()
{
    QTest::addColumn<QString>("column");
    QTest::addColumn<QVariant>("raw");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("expected");

    QTest::newRow("NULL limit: server default")
        << "max_presence_members_per_channel" << QVariant(QMetaType(QMetaType::Int)) << "maxPresenceMembersPerChannel"
        << QVariant(77);
    QTest::newRow("'' limit: server default")
        << "max_event_payload_in_kb" << QVariant(QString()) << "maxEventPayloadInKb" << QVariant(33.0);
    QTest::newRow("empty text limit: server default")
        << "max_presence_members_per_channel" << QVariant(QStringLiteral("")) << "maxPresenceMembersPerChannel"
        << QVariant(77);
    QTest::newRow("-1 limit (soketi refuses all): server default")
        << "max_presence_members_per_channel" << QVariant(-1) << "maxPresenceMembersPerChannel" << QVariant(77);
    QTest::newRow("limit as text") << "max_presence_members_per_channel" << QVariant(QStringLiteral("12"))
                                   << "maxPresenceMembersPerChannel" << QVariant(12);
    QTest::newRow("max_connections 0 = unlimited")
        << "max_connections" << QVariant(0) << "maxConnections" << QVariant(-1);
    QTest::newRow("max_connections -5 = unlimited")
        << "max_connections" << QVariant(-5) << "maxConnections" << QVariant(-1);
    QTest::newRow("rate -1") << "max_client_events_per_sec" << QVariant(-1) << "maxClientEventsPerSecond"
                             << QVariant(-1);
    QTest::newRow("flag bool (PostgreSQL boolean)")
        << "enable_client_messages" << QVariant(true) << "enableClientMessages" << QVariant(true);
    QTest::newRow("flag tinyint 1") << "enable_client_messages" << QVariant(1) << "enableClientMessages"
                                    << QVariant(true);
    QTest::newRow("flag char 0 (MySQL tinyint)")
        << "enabled" << QVariant::fromValue(char(0)) << "enabled" << QVariant(false);
    QTest::newRow("flag text t") << "enabled" << QVariant(QStringLiteral("f")) << "enabled" << QVariant(false);
    QTest::newRow("flag text true") << "enable_user_authentication" << QVariant(QStringLiteral("true"))
                                    << "enableUserAuthentication" << QVariant(true);
    QTest::newRow("flag garbage: default")
        << "enabled" << QVariant(QStringLiteral("maybe")) << "enabled" << QVariant(true);
    QTest::newRow("size as decimal text")
        << "max_event_payload_in_kb" << QVariant(QStringLiteral("1.5")) << "maxEventPayloadInKb" << QVariant(1.5);
    QTest::newRow("MySQL JSON bytes") << "webhooks"
                                      << QVariant(QByteArray("[{\"url\":\"http://a/b\",\"event_types\":[]}]"))
                                      << "webhooks" << QVariant(1);
    QTest::newRow("webhooks not JSON: none")
        << "webhooks" << QVariant(QStringLiteral("{oops")) << "webhooks" << QVariant(0);
    QTest::newRow("webhooks object: none") << "webhooks" << QVariant(QStringLiteral("{}")) << "webhooks" << QVariant(0);
}

void TestAppColumns::readsColumns()
{
    QFETCH(QString, column);
    QFETCH(QVariant, raw);
    QFETCH(QString, field);
    QFETCH(QVariant, expected);
    const App app =
        AppColumns::fromRecord(record({{QStringLiteral("id"), QStringLiteral("1")}, {column, raw}}), defaults());
    const AppColumns::Field *f = AppColumns::find(field);
    QVERIFY(f);
    const QVariant value = f->type == AppColumns::Type::Json ? QVariant(app.webhooks.size()) : f->get(app);
    QCOMPARE(value.toString(), expected.toString());
}

void TestAppColumns::missingColumnsKeepDefaults()
{
    // soketi's oldest fixture has neither the limit columns nor enable_user_authentication.
    const App app = AppColumns::fromRecord(
        record({{QStringLiteral("id"), QStringLiteral("a")}, {QStringLiteral("key"), QStringLiteral("k")},
            {QStringLiteral("SECRET"), QStringLiteral("s")}}),
        defaults());
    QCOMPARE(app.id, QStringLiteral("a"));
    QCOMPARE(app.secret, QStringLiteral("s")); // column names are matched case-insensitively
    QCOMPARE(app.maxPresenceMembersPerChannel, 77);
    QVERIFY(app.enabled);
    QVERIFY(app.previousSecret.isEmpty());
}

void TestAppColumns::validate_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QVariant>("stored");

    QTest::newRow("key plain") << "key" << QJsonValue(QStringLiteral("abc-DEF_1.2~")) << true
                               << QVariant(QStringLiteral("abc-DEF_1.2~"));
    QTest::newRow("key with quote") << "key" << QJsonValue(QStringLiteral("a'b")) << false << QVariant();
    QTest::newRow("key with space") << "key" << QJsonValue(QStringLiteral("a b")) << false << QVariant();
    QTest::newRow("key with slash") << "key" << QJsonValue(QStringLiteral("a/b")) << false << QVariant();
    QTest::newRow("key empty") << "key" << QJsonValue(QString()) << false << QVariant();
    QTest::newRow("key null") << "key" << QJsonValue() << false << QVariant();
    QTest::newRow("key too long") << "key" << QJsonValue(QString(256, u'k')) << false << QVariant();
    QTest::newRow("secret punctuation") << "secret" << QJsonValue(QStringLiteral("s3cr#t'!")) << true
                                        << QVariant(QStringLiteral("s3cr#t'!"));
    QTest::newRow("secret with space") << "secret" << QJsonValue(QStringLiteral("s s")) << false << QVariant();
    QTest::newRow("limit default") << "maxEventBatchSize" << QJsonValue(QStringLiteral("default")) << true
                                   << QVariant();
    QTest::newRow("limit null") << "max_event_batch_size" << QJsonValue() << true << QVariant();
    QTest::newRow("limit 0") << "maxEventBatchSize" << QJsonValue(0) << false << QVariant();
    QTest::newRow("limit text") << "maxEventBatchSize" << QJsonValue(QStringLiteral("12")) << true << QVariant(12);
    QTest::newRow("limit fraction") << "maxEventBatchSize" << QJsonValue(1.5) << false << QVariant();
    QTest::newRow("size fraction") << "maxEventPayloadInKb" << QJsonValue(1.5) << true << QVariant(1.5);
    QTest::newRow("rate -7 = unlimited") << "maxClientEventsPerSecond" << QJsonValue(-7) << true << QVariant(-1);
    QTest::newRow("int overflow") << "maxConnections" << QJsonValue(1e12) << false << QVariant();
    QTest::newRow("flag true") << "enabled" << QJsonValue(true) << true << QVariant(true);
    QTest::newRow("flag text false") << "enabled" << QJsonValue(QStringLiteral("false")) << true << QVariant(false);
    QTest::newRow("flag text junk") << "enabled" << QJsonValue(QStringLiteral("yes please")) << false << QVariant();
    QTest::newRow("webhooks text") << "webhooks"
                                   << QJsonValue(QStringLiteral("[{\"url\":\"https://h/x\",\"event_types\":[]}]"))
                                   << true
                                   << QVariant(QStringLiteral("[{\"event_types\":[],\"url\":\"https://h/x\"}]"));
    QTest::newRow("webhook ftp") << "webhooks"
                                 << QJsonValue(QStringLiteral("[{\"url\":\"ftp://h/x\",\"event_types\":[]}]")) << false
                                 << QVariant();
    QTest::newRow("webhook no types") << "webhooks" << QJsonValue(QStringLiteral("[{\"url\":\"https://h/x\"}]"))
                                      << false << QVariant();
}

void TestAppColumns::validate()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QFETCH(bool, ok);
    QFETCH(QVariant, stored);
    const AppColumns::Field *f = AppColumns::find(field);
    QVERIFY(f);
    QVariant out(QStringLiteral("untouched"));
    QString error;
    QCOMPARE(AppColumns::validate(*f, value, &out, &error), ok);
    if (ok) {
        QCOMPARE(out.isNull(), stored.isNull());
        QCOMPARE(out.toString(), stored.toString());
    } else {
        QVERIFY(error.contains(QLatin1String(f->name)) || error.contains(QLatin1String("webhook")));
        QVERIFY(!error.contains(value.toString()) || value.toString().isEmpty() || value.toString().size() < 3);
    }
}

void TestAppColumns::jsonHidesSecretsUnlessAsked()
{
    App app;
    app.secret = QStringLiteral("top-secret");
    app.previousSecret = QStringLiteral("old-secret");
    app.webhooks = QJsonArray{QJsonObject{{QStringLiteral("url"), QStringLiteral("https://user:pw@h/x?token=t0k")},
        {QStringLiteral("headers"), QJsonObject{{QStringLiteral("Authorization"), QStringLiteral("Bearer b3arer")}}},
        {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}};
    const QString hidden = QString::fromUtf8(QJsonDocument(AppColumns::toJson(app, false)).toJson());
    for (const char *secret : {"top-secret", "old-secret", "pw@", "t0k", "b3arer"}) {
        QVERIFY2(!hidden.contains(QLatin1String(secret)), secret);
    }
    QVERIFY(hidden.contains(QLatin1String("https://h/x")));
    QVERIFY(hidden.contains(QLatin1String("\"key\": \"app-key\"")));
    const QJsonObject shown = AppColumns::toJson(app, true);
    QCOMPARE(shown.value(QLatin1String("secret")).toString(), QStringLiteral("top-secret"));
    QCOMPARE(shown.value(QLatin1String("webhooks")).toArray(), app.webhooks);
    QCOMPARE(shown.size(), qsizetype(AppColumns::all().size()));
    QVERIFY(AppColumns::same(app, app));
    App other = app;
    other.maxEventBatchSize = 3;
    QVERIFY(!AppColumns::same(app, other));
}

void TestAppColumns::findsByNameOrColumn()
{
    QCOMPARE(AppColumns::find(QStringLiteral("max_read_req_per_sec")),
        AppColumns::find(QStringLiteral("maxReadRequestsPerSecond")));
    QVERIFY(!AppColumns::find(QStringLiteral("MaxReadRequestsPerSecond")));
    QVERIFY(!AppColumns::find(QStringLiteral("colour")));
}

QTEST_APPLESS_MAIN(TestAppColumns)
#include "tst_appcolumns.moc"
