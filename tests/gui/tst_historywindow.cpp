// SPDX-License-Identifier: GPL-3.0-or-later
// The window's history across restarts on a real server: what the charts showed is stored, the window
// opened again shows it, 24 h comes from the stored minutes, switching to a remote node and back keeps the
// local history, and the visible range exports as CSV and PNG.
#include <QFile>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "ChartsPanel.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "HistoryStore.h"
#include "MetricsPlotWidget.h"
#include "StatusSampler.h"

using namespace qsoketi;

class TestHistoryWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(QStringLiteral("tst_historywindow"));
        QVERIFY(HistoryStore::defaultPath(6001).contains(QLatin1String("tst_historywindow/history-6001.sqlite")));
    }

    void historySurvivesTheWindow()
    {
        auto core = test::startCore();
        const QString path = HistoryStore::defaultPath(core->port());
        QFile::remove(path);
        const qint64 start = QDateTime::currentMSecsSinceEpoch();
        {
            // Yesterday, as an earlier run of the window stored it: 1 s samples become minute averages.
            HistoryStore earlier(path);
            for (qint64 t = start - 23 * 3600 * 1000; t < start - 2 * 3600 * 1000; t += 30 * 1000)
                earlier.append(QString(), MetricsHistory::Connected, t, 40);
        }
        test::Client a(core->port()), b(core->port());
        QTRY_VERIFY(a.established() && b.established());
        qint64 lastLive = 0;
        {
            DashboardWindow window(*core);
            window.sampler()->stop();
            for (int i = 0; i < 3; ++i) {
                QTest::qWait(300);
                window.sampler()->sampleNow();
            }
            lastLive = window.history().samples(MetricsHistory::allApps(), MetricsHistory::Connected)->last().timeMs;
            window.setRange(DashboardWindow::OneDay);
            const QList<QPointF> day = window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0);
            QVERIFY2(day.size() >= 10, qPrintable(QString::number(day.size())));
            QVERIFY(day.first().x() < double(start - 20 * 3600 * 1000)); // yesterday is on the 24 h chart
            QCOMPARE(day.first().y(), 40.0);
            window.setRange(DashboardWindow::OneMinute);
            QCOMPARE(window.historyStore()->pendingCount() > 0, true); // queued, written on close
        }
        HistoryStore check(path);
        const QList<QPointF> stored =
            check.samples(HistoryStore::Seconds, QString(), MetricsHistory::Connected, start - 1000, lastLive);
        QCOMPARE(stored.size(), 4); // the window's first sample and the three taken here
        QCOMPARE(stored.last().y(), 2.0);

        // The window opened again: the stored samples are on the chart before and with the first live one.
        DashboardWindow again(*core);
        const RingBuffer<MetricsHistory::Sample> *samples =
            again.history().samples(MetricsHistory::allApps(), MetricsHistory::Connected);
        QVERIFY(samples->size() >= 5);
        QCOMPARE(samples->at(0).timeMs, qint64(stored.first().x()));
        QCOMPARE(samples->at(3).timeMs, lastLive);
        QVERIFY(again.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).size() >= 5);

        // A visit to another node does not wipe the local history.
        auto remote = test::startCore();
        QVERIFY(again.monitorRemote(QStringLiteral("127.0.0.1:%1").arg(remote->metricsPort())));
        again.monitorLocal();
        QCOMPARE(again.history().samples(MetricsHistory::allApps(), MetricsHistory::Connected)->at(0).timeMs,
            qint64(stored.first().x()));

        // Export of the visible range: the points drawn, as CSV; the charts, as PNG.
        QTemporaryDir dir;
        again.setRange(DashboardWindow::OneDay);
        const QString csvPath = dir.filePath(QStringLiteral("charts.csv"));
        QVERIFY(again.charts()->exportCsv(csvPath));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.first(), QByteArray("time,chart,series,value"));
        int expected = 0;
        for (int plot = 0; plot < ChartsPanel::PlotCount; ++plot)
            for (int s = 0; s < again.plot(ChartsPanel::Plot(plot))->seriesCount(); ++s)
                expected += int(again.plot(ChartsPanel::Plot(plot))->seriesPoints(s).size());
        QCOMPARE(int(lines.size()) - 1, expected);
        QVERIFY(lines[1].contains(",\"Connected sockets\",\"Connected sockets\",40"));
        const QString pngPath = dir.filePath(QStringLiteral("charts.png"));
        again.resize(1000, 700);
        QVERIFY(again.charts()->exportPng(pngPath));
        const QImage png(pngPath);
        QVERIFY(!png.isNull() && png.width() > 100 && png.height() > 100);

        // Another server (another port) on this machine has a history of its own.
        DashboardWindow other(*remote);
        QVERIFY(other.historyStore()->path() != path);
        QVERIFY(other.history().samples(MetricsHistory::allApps(), MetricsHistory::Connected)->size() <= 1);
    }
};

QTEST_MAIN(TestHistoryWindow)
#include "tst_historywindow.moc"
