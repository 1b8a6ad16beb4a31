// SPDX-License-Identifier: GPL-3.0-or-later
#include <QTest>

#include "auth/HmacSigner.h"

using namespace qsoketi;

class TestHmacSigner final : public QObject
{
    Q_OBJECT

private slots:
    void sign_data()
    {
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QByteArray>("expected");
        // RFC 4231, test case 2.
        QTest::newRow("rfc4231-2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                                   << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Pusher's documented private-channel example (socket 1234.1234, channel private-foobar).
        QTest::newRow("pusher-private") << QByteArray("7ad3773142a6692b25b8") << QByteArray("1234.1234:private-foobar")
                                        << QByteArray(
                                               "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
    }
    void sign()
    {
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, message);
        QFETCH(QByteArray, expected);
        QCOMPARE(HmacSigner::sign(secret, message), expected);
    }

    void verifyAuth()
    {
        const QByteArray auth = "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
        QVERIFY(
            HmacSigner::verifyAuth(auth, "278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234:private-foobar"));
        QVERIFY(!HmacSigner::verifyAuth(auth, "other-key", "7ad3773142a6692b25b8", "1234.1234:private-foobar"));
        QVERIFY(!HmacSigner::verifyAuth(auth, "278d425bdf160c739803", "wrong-secret", "1234.1234:private-foobar"));
        QVERIFY(
            !HmacSigner::verifyAuth(auth, "278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1235:private-foobar"));
        QVERIFY(!HmacSigner::verifyAuth("no-colon", "278d425bdf160c739803", "7ad3773142a6692b25b8", "x"));
        QVERIFY(!HmacSigner::verifyAuth("", "278d425bdf160c739803", "7ad3773142a6692b25b8", "x"));
    }

    void equal()
    {
        QVERIFY(HmacSigner::equal("abc", "abc"));
        QVERIFY(!HmacSigner::equal("abc", "abd"));
        QVERIFY(!HmacSigner::equal("abc", "abcd"));
        QVERIFY(HmacSigner::equal("", ""));
    }
};

QTEST_APPLESS_MAIN(TestHmacSigner)
#include "tst_hmacsigner.moc"
