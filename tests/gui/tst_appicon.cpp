// SPDX-License-Identifier: GPL-3.0-or-later
// The application icon: every PNG size comes from the resources, and the window and the tray icon use it.
#include <QApplication>
#include <QDir>
#include <QImage>
#include <QStandardPaths>
#include <QTest>

#include "AppIcon.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "TrayIcon.h"

using namespace qsoketi;

class TestAppIcon final : public QObject
{
    Q_OBJECT

private slots:
    // The window keeps settings and a chart history: never the user's.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void hasEverySize_data()
    {
        QTest::addColumn<int>("size");
        for (const int size : {16, 24, 32, 48, 64, 128, 256})
            QTest::addRow("%dpx", size) << size;
    }

    void hasEverySize()
    {
        QFETCH(int, size);
        const QIcon icon = AppIcon::icon();
        QVERIFY(icon.availableSizes().contains(QSize(size, size)));
        const QImage image = AppIcon::pixmap(size).toImage();
        QCOMPARE(image.size(), QSize(size, size));
        // The purple tile shows above the waves at the top centre; the corners stay transparent.
        QCOMPARE(image.pixelColor(0, 0).alpha(), 0);
        const QColor edge = image.pixelColor(size / 2, size / 8);
        QVERIFY2(edge.blue() > edge.green() + 40, qPrintable(edge.name()));
    }

    void trayIconIsTheAppIconWithACount()
    {
        const QImage tray = TrayIcon::renderIcon(42).pixmap(64, 64).toImage();
        const QImage app = AppIcon::pixmap(64).toImage();
        // Upper half: the application icon unchanged; lower half: the count badge drawn over it.
        for (const QPoint p : {QPoint(32, 8), QPoint(10, 20), QPoint(54, 20)})
            QCOMPARE(tray.pixelColor(p), app.pixelColor(p));
        QVERIFY(tray.pixelColor(32, 48) != app.pixelColor(32, 48));
        // For a look: <build>/tests/artifacts/tray-icon-42.png, next to the dashboard screenshots.
        const QString artifacts = QCoreApplication::applicationDirPath() + QStringLiteral("/artifacts");
        QDir().mkpath(artifacts);
        tray.save(artifacts + QStringLiteral("/tray-icon-42.png"));
    }

    void windowUsesTheAppIcon()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        QVERIFY(!window.windowIcon().isNull());
        QCOMPARE(window.windowIcon().pixmap(48, 48).toImage(), AppIcon::pixmap(48).toImage());
    }
};

QTEST_MAIN(TestAppIcon)
#include "tst_appicon.moc"
