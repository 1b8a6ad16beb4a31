// SPDX-License-Identifier: GPL-3.0-or-later
// ChannelAuthorizer against Pusher's published authentication examples (key 278d425bdf160c739803,
// secret 7ad3773142a6692b25b8, socket 1234.1234) and the ways a signature or channel_data can be wrong.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "auth/ChannelAuthorizer.h"
#include "auth/HmacSigner.h"

using namespace qsoketi;

namespace {

const QByteArray key = "278d425bdf160c739803";
const QByteArray secret = "7ad3773142a6692b25b8";
const QString socketId = QStringLiteral("1234.1234");

QString signedBy(const QByteArray &withSecret, const QByteArray &text)
{
    return QString::fromLatin1(key + ':' + HmacSigner::sign(withSecret, text));
}

} // namespace

class TestChannelAuthorizer final : public QObject
{
    Q_OBJECT

private slots:
    void subscription_data()
    {
        QTest::addColumn<QString>("channel");
        QTest::addColumn<QByteArray>("data"); // the pusher:subscribe data object, as JSON
        QTest::addColumn<bool>("granted");
        QTest::addColumn<QString>("userId");
        QTest::addColumn<int>("status");

        const QByteArray presenceData = "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}";
        QTest::newRow("public needs no auth") << "news" << QByteArray("{}") << true << QString() << 0;
        QTest::newRow("private: Pusher's example")
            << "private-foobar"
            << QByteArray("{\"auth\":\"278d425bdf160c739803:"
                          "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4\"}")
            << true << QString() << 0;
        QTest::newRow("presence: Pusher's example")
            << "presence-foobar"
            << QByteArray(
                   "{\"auth\":\"278d425bdf160c739803:"
                   "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80\","
                   "\"channel_data\":\"{\\\"user_id\\\":10,\\\"user_info\\\":{\\\"name\\\":\\\"Mr. Channels\\\"}}\"}")
            << true << QStringLiteral("10") << 0;
        QTest::newRow("private: signature of another channel")
            << "private-other"
            << QByteArray("{\"auth\":\"278d425bdf160c739803:"
                          "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4\"}")
            << false << QString() << 401;
        QTest::newRow("private: another key")
            << "private-foobar"
            << QByteArray("{\"auth\":\"aaaaaaaaaaaaaaaaaaaa:58df8b0c36d6982b82c3ecf6b4662"
                          "e34fe8c25bba48f5369f135bf843651c3a4\"}")
            << false << QString() << 401;
        QTest::newRow("private: no auth") << "private-foobar" << QByteArray("{}") << false << QString() << 401;
        QTest::newRow("private-encrypted: signed like private")
            << "private-encrypted-x"
            << ("{\"auth\":\"" + signedBy(secret, "1234.1234:private-encrypted-x").toLatin1() + "\"}") << true
            << QString() << 0;
        QTest::newRow("private: signed with another secret")
            << "private-foobar" << ("{\"auth\":\"" + signedBy("wrong", "1234.1234:private-foobar").toLatin1() + "\"}")
            << false << QString() << 401;
        QTest::newRow("presence: channel_data changed after signing")
            << "presence-foobar"
            << QByteArray(
                   "{\"auth\":\"278d425bdf160c739803:"
                   "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80\","
                   "\"channel_data\":\"{\\\"user_id\\\":11,\\\"user_info\\\":{\\\"name\\\":\\\"Mr. Channels\\\"}}\"}")
            << false << QString() << 401;
        const QByteArray noUser = "{\"user_info\":{}}";
        QTest::newRow("presence: signed but no user_id")
            << "presence-x"
            << ("{\"auth\":\"" + signedBy(secret, "1234.1234:presence-x:" + noUser).toLatin1()
                   + "\",\"channel_data\":\"{\\\"user_info\\\":{}}\"}")
            << false << QString() << 4302;
        QTest::newRow("presence: channel_data sent as an object is signed as its compact JSON")
            << "presence-x"
            << ("{\"auth\":\"" + signedBy(secret, "1234.1234:presence-x:" + presenceData).toLatin1()
                   + "\",\"channel_data\":" + presenceData + "}")
            << true << QStringLiteral("10") << 0;
        const QByteArray stringId = "{\"user_id\":\"ada\"}";
        QTest::newRow("presence: string user id")
            << "presence-x"
            << ("{\"auth\":\"" + signedBy(secret, "1234.1234:presence-x:" + stringId).toLatin1()
                   + "\",\"channel_data\":\"{\\\"user_id\\\":\\\"ada\\\"}\"}")
            << true << QStringLiteral("ada") << 0;
    }

    void subscription()
    {
        QFETCH(QString, channel);
        QFETCH(QByteArray, data);
        QFETCH(bool, granted);
        QFETCH(QString, userId);
        QFETCH(int, status);
        const QJsonObject object = QJsonDocument::fromJson(data).object();
        QVERIFY2(!object.isEmpty() || data == "{}", data.constData());
        const auto result = ChannelAuthorizer(key, secret).authorizeSubscription(socketId, channel, object);
        QCOMPARE(std::holds_alternative<ChannelGrant>(result), granted);
        if (granted) {
            QCOMPARE(std::get<ChannelGrant>(result).userId, userId);
        } else {
            const AuthRefusal &refusal = std::get<AuthRefusal>(result);
            QCOMPARE(refusal.status, status);
            QCOMPARE(refusal.type, status == 401 ? QStringLiteral("AuthError") : QStringLiteral("ServerError"));
        }
    }

    void refusalNamesTheStringToSign()
    {
        const auto result = ChannelAuthorizer(key, secret)
                                .authorizeSubscription(socketId, QStringLiteral("private-foobar"),
                                    QJsonObject{{QStringLiteral("auth"), QStringLiteral("x:y")}});
        QCOMPARE(std::get<AuthRefusal>(result).signedString, QByteArray("1234.1234:private-foobar"));
        QVERIFY(!std::get<AuthRefusal>(result).signedString.contains(secret));
    }

    void signIn_data()
    {
        QTest::addColumn<QString>("userData");
        QTest::addColumn<QByteArray>("auth");
        QTest::addColumn<bool>("granted");
        QTest::addColumn<QString>("userId");
        QTest::addColumn<QStringList>("watchlist");

        const auto sign = [](const QString &userData) {
            return signedBy(secret, "1234.1234::user::" + userData.toUtf8()).toLatin1();
        };
        const QString plain = QStringLiteral("{\"id\":\"12345\",\"user_info\":{\"name\":\"Ada\"}}");
        QTest::newRow("signed") << plain << sign(plain) << true << QStringLiteral("12345") << QStringList();
        const QString watching = QStringLiteral("{\"id\":7,\"watchlist\":[\"a\",2,\"a\",\"\"]}");
        QTest::newRow("numeric id, watchlist deduplicated") << watching << sign(watching) << true << QStringLiteral("7")
                                                            << QStringList{QStringLiteral("a"), QStringLiteral("2")};
        QTest::newRow("signature of other user data")
            << QStringLiteral("{\"id\":\"1\"}") << sign(plain) << false << QString() << QStringList();
        const QString noId = QStringLiteral("{\"user_info\":{}}");
        QTest::newRow("no id") << noId << sign(noId) << false << QString() << QStringList();
    }

    void signIn()
    {
        QFETCH(QString, userData);
        QFETCH(QByteArray, auth);
        QFETCH(bool, granted);
        QFETCH(QString, userId);
        QFETCH(QStringList, watchlist);
        const auto result = ChannelAuthorizer(key, secret).signIn(socketId, userData, auth);
        QCOMPARE(std::holds_alternative<SignedInUser>(result), granted);
        if (granted) {
            QCOMPARE(std::get<SignedInUser>(result).userId, userId);
            QCOMPARE(std::get<SignedInUser>(result).watchlist, watchlist);
        } else {
            QCOMPARE(std::get<AuthRefusal>(result).status, 4009);
        }
    }
};

QTEST_GUILESS_MAIN(TestChannelAuthorizer)
#include "tst_channelauthorizer.moc"
