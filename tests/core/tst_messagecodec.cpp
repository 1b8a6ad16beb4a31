// SPDX-License-Identifier: GPL-3.0-or-later
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "protocol/MessageCodec.h"
#include "protocol/WebSocketFrame.h"

using namespace qsoketi;

class TestMessageCodec final : public QObject
{
    Q_OBJECT

private slots:
    void parsesAWellFormedFrame()
    {
        QString error;
        const auto m =
            MessageCodec::parse("{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":{\"k\":1}}", &error);
        QVERIFY2(m, qPrintable(error));
        QCOMPARE(m->event, QStringLiteral("client-x"));
        QCOMPARE(m->channel, QStringLiteral("private-a"));
        QCOMPARE(m->data.toObject().value(QStringLiteral("k")).toInt(), 1);
    }

    void acceptsStringEncodedProtocolData()
    {
        QString error;
        const auto m =
            MessageCodec::parse("{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\"}\"}", &error);
        QVERIFY(m);
        QCOMPARE(m->data.toObject().value(QStringLiteral("channel")).toString(), QStringLiteral("a"));
    }

    void rejectsMalformed_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("not json") << QByteArray("hello");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("string") << QByteArray("\"x\"");
        QTest::newRow("no event") << QByteArray("{\"data\":{}}");
        QTest::newRow("numeric event") << QByteArray("{\"event\":5}");
        QTest::newRow("empty event") << QByteArray("{\"event\":\"\"}");
        QTest::newRow("truncated") << QByteArray("{\"event\":\"pusher:ping\"");
        QTest::newRow("empty") << QByteArray();
    }
    void rejectsMalformed()
    {
        QFETCH(QByteArray, frame);
        QString error;
        QVERIFY(!MessageCodec::parse(frame, &error));
        QVERIFY(!error.isEmpty());
    }

    void encodesEventsThatParseBack()
    {
        const QString tricky = QStringLiteral("quote\" backslash\\ newline\n tab\t ctl\x01 caf\u00e9 \U0001F600");
        const QByteArray out = MessageCodec::event(u"ev", u"ch", MessageCodec::jsonString(tricky), u"u1");
        QJsonParseError error;
        const QJsonObject obj = QJsonDocument::fromJson(out, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(obj.value(QStringLiteral("event")).toString(), QStringLiteral("ev"));
        QCOMPARE(obj.value(QStringLiteral("channel")).toString(), QStringLiteral("ch"));
        QCOMPARE(obj.value(QStringLiteral("data")).toString(), tricky);
        QCOMPARE(obj.value(QStringLiteral("user_id")).toString(), QStringLiteral("u1"));
    }

    void errorFrames()
    {
        const QJsonObject e = QJsonDocument::fromJson(MessageCodec::error(4001, u"App key x does not exist.")).object();
        QCOMPARE(e.value(QStringLiteral("event")).toString(), QStringLiteral("pusher:error"));
        QCOMPARE(e.value(QStringLiteral("data")).toObject().value(QStringLiteral("code")).toInt(), 4001);
        QVERIFY(!e.contains(QStringLiteral("channel")));
        const QJsonObject n = QJsonDocument::fromJson(MessageCodec::error(0, u"bad")).object();
        QVERIFY(n.value(QStringLiteral("data")).toObject().value(QStringLiteral("code")).isNull());
        const QJsonObject s =
            QJsonDocument::fromJson(MessageCodec::subscriptionError(u"private-a", u"AuthError", u"no", 401)).object();
        QCOMPARE(s.value(QStringLiteral("channel")).toString(), QStringLiteral("private-a"));
        QCOMPARE(s.value(QStringLiteral("data")).toObject().value(QStringLiteral("status")).toInt(), 401);
        QCOMPARE(s.value(QStringLiteral("data")).toObject().value(QStringLiteral("type")).toString(),
            QStringLiteral("AuthError"));
    }

    void payloadSizeFollowsPusherRule()
    {
        QCOMPARE(MessageCodec::payloadSize(QJsonValue(QStringLiteral("caf\u00e9"))), 5);
        QCOMPARE(MessageCodec::payloadSize(QJsonObject{{QStringLiteral("a"), 1}}), 7); // {"a":1}
    }

    void frameHeaders_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<QByteArray>("header");
        QTest::newRow("small") << 5 << QByteArray("\x81\x05", 2);
        QTest::newRow("125") << 125 << QByteArray("\x81\x7d", 2);
        QTest::newRow("126") << 126 << QByteArray("\x81\x7e\x00\x7e", 4);
        QTest::newRow("65535") << 65535 << QByteArray("\x81\x7e\xff\xff", 4);
        QTest::newRow("65536") << 65536 << QByteArray("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    }
    void frameHeaders()
    {
        QFETCH(int, size);
        QFETCH(QByteArray, header);
        const QByteArray payload(size, 'x');
        const QByteArray frame = WebSocketFrame::text(payload);
        QCOMPARE(frame.size(), header.size() + size);
        QCOMPARE(frame.first(header.size()), header);
        QCOMPARE(frame.mid(header.size()), payload);
    }
};

QTEST_APPLESS_MAIN(TestMessageCodec)
#include "tst_messagecodec.moc"
