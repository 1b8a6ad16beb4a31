// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop mode's layout: the server on a thread of its own (ServerThread), the window on this one.
// Samples, the event creator and the activity feed cross between them; the server answers clients while
// this thread is busy.
#include <QHostAddress>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include "DashboardWindow.h"
#include "EventCreatorWidget.h"
#include "GuiTestSupport.h"
#include "LoopbackConfig.h"
#include "ServerThread.h"
#include "StatusSampler.h"

using namespace qsoketi;

using qsoketi::test::loopbackConfig;

class TestServerThread final : public QObject
{
    Q_OBJECT

private slots:
    // The window keeps settings and a chart history: never the user's.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void serverRunsOnItsOwnThread()
    {
        ServerThread server;
        QString error;
        QVERIFY2(server.start(loopbackConfig(), &error), qPrintable(error));
        QVERIFY(server.core().thread() != QThread::currentThread());
        QVERIFY(server.core().port() != 0);

        // A client is served while this thread does not run its loop at all (waitFor* block it): a server
        // sharing this thread would never answer.
        QTcpSocket http;
        http.connectToHost(QHostAddress::LocalHost, server.core().port());
        QVERIFY(http.waitForConnected(3000));
        http.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(http.waitForBytesWritten(3000));
        QByteArray answer;
        while (!answer.contains("OK") && http.waitForReadyRead(3000))
            answer += http.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    }

    void samplesAndEventsCrossThreads()
    {
        ServerThread server;
        QString error;
        QVERIFY2(server.start(loopbackConfig(), &error), qPrintable(error));
        DashboardWindow window(server.core());
        test::Client client(server.core().port());
        QTRY_VERIFY(client.established());
        client.subscribe(QStringLiteral("news"));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("news")));

        // A sample is read on the server thread and arrives here later, with the connection counted.
        QSignalSpy channels(window.sampler(), &StatusSampler::channelsSampled);
        window.sampler()->sampleNow();
        QTRY_VERIFY(!channels.isEmpty());
        QCOMPARE(channels.last().at(1).toInt(), 1);

        // The event creator triggers on the server thread; its answer comes back to this one.
        int status = 0;
        window.eventCreator()->send(QStringLiteral("app-id"), QStringLiteral("news"), QStringLiteral("hello"),
            QStringLiteral("{\"n\":1}"), [&status](const HttpResponse &response) { status = response.status; });
        QCOMPARE(status, 0); // not before send() returns: the server is elsewhere
        QTRY_COMPARE(status, 200);
        QTRY_VERIFY(client.has(QStringLiteral("hello"), QStringLiteral("news")));
    }

    void aWindowGoneBeforeTheAnswerIsNotCalled()
    {
        ServerThread server;
        QString error;
        QVERIFY2(server.start(loopbackConfig(), &error), qPrintable(error));
        bool called = false;
        {
            DashboardWindow window(server.core());
            window.eventCreator()->send(QStringLiteral("app-id"), QStringLiteral("c"), QStringLiteral("e"),
                QStringLiteral("1"), [&called](const HttpResponse &) { called = true; });
        }
        QTest::qWait(200);
        QVERIFY(!called);
    }

    void startFailureIsReported()
    {
        ServerThread first;
        QString error;
        QVERIFY2(first.start(loopbackConfig(), &error), qPrintable(error));
        ServerConfig taken = loopbackConfig();
        taken.port = first.core().port();
        ServerThread second;
        QVERIFY(!second.start(taken, &error));
        QVERIFY2(error.contains(QLatin1String("cannot listen")), qPrintable(error));
    }
};

QTEST_MAIN(TestServerThread)
#include "tst_serverthread.moc"
