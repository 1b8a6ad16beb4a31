// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstring>
#include <memory>

#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

#include "metrics/EventLoopLagMonitor.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/ProcessInfo.h"
#include "metrics/ProcessMetricsCollector.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace qsoketi;

namespace {

double sample(const MetricsSnapshot &snapshot, const std::string &name)
{
    for (const auto &family : snapshot.families) {
        if (family.name != name)
            continue;
        if (family.metric.size() != 1)
            qFatal("%s: expected one series", name.c_str());
        return family.type == prometheus::MetricType::Counter ? family.metric[0].counter.value
                                                              : family.metric[0].gauge.value;
    }
    qFatal("%s: no such family", name.c_str());
}

double processSample(const char *base)
{
    MetricsRegistry registry(MetricsConfig{}, 6001);
    return sample(registry.collect(), std::string("soketi_") + base);
}

} // namespace

class TestMetricsProcess final : public QObject
{
    Q_OBJECT

private slots:
    void valuesAreConsistent()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        const MetricsSnapshot s = registry.collect();
        const double rss = sample(s, "soketi_process_resident_memory_bytes");
        const double vsz = sample(s, "soketi_process_virtual_memory_bytes");
        QVERIFY2(rss > 1e6 && rss < vsz, qPrintable(QString::number(rss)));
        QVERIFY(sample(s, "soketi_process_heap_bytes") > 0);
        rlimit limit{};
        QCOMPARE(getrlimit(RLIMIT_NOFILE, &limit), 0);
        QCOMPARE(sample(s, "soketi_process_max_fds"), double(limit.rlim_cur));
        const double fds = sample(s, "soketi_process_open_fds");
        QVERIFY(fds >= 3 && fds < double(limit.rlim_cur));
        QCOMPARE(sample(s, "soketi_process_cpu_seconds_total"),
            sample(s, "soketi_process_cpu_user_seconds_total") + sample(s, "soketi_process_cpu_system_seconds_total"));
        // This test process started moments ago.
        const double start = sample(s, "soketi_process_start_time_seconds");
        const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000;
        QVERIFY2(start <= now + 1 && start > now - 120, qPrintable(QString::number(now - start)));
    }

    void openFdsFollowsOpenFiles()
    {
        const double before = processSample("process_open_fds");
        int fds[5];
        for (int &fd : fds)
            fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        const double during = processSample("process_open_fds");
        for (int fd : fds)
            ::close(fd);
        QCOMPARE(during, before + 5);
        QCOMPARE(processSample("process_open_fds"), before);
    }

    void memoryFollowsTouchedAllocations()
    {
        const double rssBefore = processSample("process_resident_memory_bytes");
        const double heapBefore = processSample("process_heap_bytes");
        constexpr size_t size = 64 * 1024 * 1024;
        std::unique_ptr<char[]> block(new char[size]);
        std::memset(block.get(), 1, size);
        const double rssAfter = processSample("process_resident_memory_bytes");
        const double heapAfter = processSample("process_heap_bytes");
        QVERIFY(block[size - 1] == 1);
        QVERIFY2(rssAfter - rssBefore >= 60.0 * 1024 * 1024, qPrintable(QString::number(rssAfter - rssBefore)));
        QVERIFY2(heapAfter - heapBefore >= double(size), qPrintable(QString::number(heapAfter - heapBefore)));
    }

    void cpuCountersMoveWithWork()
    {
        const double before = processSample("process_cpu_user_seconds_total");
        QElapsedTimer timer;
        timer.start();
        volatile double sink = 0;
        while (ProcessInfo::cpuTimes().userSeconds - before < 0.2 && timer.elapsed() < 10000)
            for (int i = 0; i < 100000; ++i)
                sink = sink + i * 0.5;
        const double after = processSample("process_cpu_user_seconds_total");
        QVERIFY2(after - before >= 0.2, qPrintable(QString::number(after - before)));
    }

    void physicalMemoryIsReadFromMeminfo()
    {
        const auto total = ProcessInfo::physicalMemoryBytes();
        QVERIFY(total.has_value());
        const long pages = sysconf(_SC_PHYS_PAGES);
        const long pageSize = sysconf(_SC_PAGESIZE);
        QCOMPARE(*total / 1024, qint64(pages) * pageSize / 1024);
    }

    void lagMonitorMeasuresABlockedLoop()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        EventLoopLagMonitor monitor(registry.processMetrics(), 50);
        QSignalSpy spy(&monitor, &EventLoopLagMonitor::measured);

        // Idle loop: the timer fires on time (a loaded CI machine gets some slack).
        QVERIFY(spy.wait(2000));
        QVERIFY2(spy.last().at(0).toDouble() < 0.1, qPrintable(spy.last().at(0).toString()));

        // Block the loop for 400 ms: the next reading is late by about that much.
        QTimer::singleShot(0, this, [] { QThread::msleep(400); });
        double worst = 0;
        QElapsedTimer waited;
        waited.start();
        while (worst < 0.3 && waited.elapsed() < 3000) {
            if (spy.wait(1000))
                worst = std::max(worst, spy.last().at(0).toDouble());
        }
        QVERIFY2(worst >= 0.3 && worst < 1.5, qPrintable(QString::number(worst)));
        QCOMPARE(sample(registry.collect(), "soketi_eventloop_lag_seconds"), spy.last().at(0).toDouble());
    }
};

QTEST_GUILESS_MAIN(TestMetricsProcess)
#include "tst_metricsprocess.moc"
