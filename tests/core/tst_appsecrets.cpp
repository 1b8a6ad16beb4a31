// SPDX-License-Identifier: GPL-3.0-or-later
// AppSecrets: the replaced secret of a rotation signs requests only until its grace period ends.
#include <QTest>

#include "apps/AppSecrets.h"

using namespace qsoketi;

class TestAppSecrets final : public QObject
{
    Q_OBJECT

private slots:
    void accepted_data()
    {
        QTest::addColumn<QString>("previous");
        QTest::addColumn<qint64>("validUntil");
        QTest::addColumn<QByteArrayList>("expected");
        const QByteArray current("current");
        QTest::newRow("no rotation") << QString() << qint64(0) << QByteArrayList{current};
        QTest::newRow("in grace") << "old" << qint64(2000) << QByteArrayList{current, "old"};
        QTest::newRow("grace ends at its instant") << "old" << qint64(1000) << QByteArrayList{current};
        QTest::newRow("grace over") << "old" << qint64(999) << QByteArrayList{current};
        QTest::newRow("expiry without secret") << QString() << qint64(5000) << QByteArrayList{current};
        QTest::newRow("same secret once") << "current" << qint64(5000) << QByteArrayList{current};
    }
    void accepted()
    {
        QFETCH(QString, previous);
        QFETCH(qint64, validUntil);
        QFETCH(QByteArrayList, expected);
        App app;
        app.secret = QStringLiteral("current");
        app.previousSecret = previous;
        app.previousSecretValidUntilMs = validUntil;
        QCOMPARE(AppSecrets::accepted(app, 1000), expected);
    }
};

QTEST_APPLESS_MAIN(TestAppSecrets)
#include "tst_appsecrets.moc"
