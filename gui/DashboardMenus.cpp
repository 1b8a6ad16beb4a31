// SPDX-License-Identifier: GPL-3.0-or-later
#include "DashboardMenus.h"

#include <QAction>
#include <QCoreApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QTabWidget>

#include "ActivityConsoleWidget.h"
#include "AlertMonitor.h"
#include "AlertRulesDialog.h"
#include "ChartsPanel.h"
#include "DashboardWindow.h"

namespace qsoketi {

DashboardMenus::DashboardMenus(DashboardWindow *window)
    : QObject(window)
    , m_window(window)
{
    QMenuBar *bar = window->menuBar();
    QMenu *file = bar->addMenu(tr("&File"));
    file->addAction(
        tr("Export charts as &CSV…"), QKeySequence(Qt::CTRL | Qt::Key_E), window->charts(), &ChartsPanel::exportCsvAs);
    file->addAction(tr("Save charts as &PNG…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), window->charts(),
        &ChartsPanel::exportPngAs);
    file->addSeparator();
    // Closing the window drains the server gracefully (DashboardWindow::closed): quitting is the same.
    m_quit = file->addAction(tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), window, &QWidget::close);
    m_quit->setMenuRole(QAction::QuitRole);

    QMenu *view = bar->addMenu(tr("&View"));
    QTabWidget *tabs = window->tabs();
    for (int i = 0; i < tabs->count() && i < 9; ++i) {
        view->addAction(tabs->tabText(i), QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), tabs,
            [tabs, i] { tabs->setCurrentIndex(i); });
    }
    view->addSeparator();
    m_alertRules = view->addAction(tr("&Alert rules…"), this, [window] {
        auto *dialog = new AlertRulesDialog(window->alertMonitor()->rules(), window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &AlertRulesDialog::rulesChanged, window->alertMonitor(), &AlertMonitor::setRules);
        dialog->open(); // window-modal, no nested event loop
    });
    m_find = view->addAction(tr("&Find in the debug console"), QKeySequence::Find, window, [window] {
        window->tabs()->setCurrentWidget(window->console());
        window->console()->focusFilter();
    });

    QMenu *help = bar->addMenu(tr("&Help"));
    m_shortcuts =
        help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, &DashboardMenus::showShortcuts);
    m_about = help->addAction(tr("&About qsoketi"), this, &DashboardMenus::showAbout);
    m_about->setMenuRole(QAction::AboutRole);
}

QString DashboardMenus::shortcutsText()
{
    return tr("<table>"
              "<tr><td><b>Ctrl+1 … Ctrl+9</b></td><td>switch tabs</td></tr>"
              "<tr><td><b>Ctrl+F</b></td><td>filter the debug console</td></tr>"
              "<tr><td><b>Ctrl+P</b>, <b>F8</b></td><td>pause / resume charts and console</td></tr>"
              "<tr><td><b>Ctrl+L</b></td><td>clear the console</td></tr>"
              "<tr><td><b>Ctrl+E</b></td><td>export the visible charts as CSV</td></tr>"
              "<tr><td><b>Ctrl+Shift+S</b></td><td>save the charts as PNG</td></tr>"
              "<tr><td><b>Ctrl+Q</b></td><td>quit (the server drains its connections first)</td></tr>"
              "<tr><td><b>Double-click</b></td><td>a console row: trace its socket</td></tr>"
              "</table>");
}

void DashboardMenus::showShortcuts()
{
    auto *box =
        new QMessageBox(QMessageBox::NoIcon, tr("Keyboard shortcuts"), shortcutsText(), QMessageBox::Close, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // window-modal, no nested event loop
}

void DashboardMenus::showAbout()
{
    auto *box = new QMessageBox(QMessageBox::Information, tr("About qsoketi"),
        tr("<h3>qsoketi %1</h3>"
           "<p>A Pusher Channels protocol v7 server and HTTP API, a drop-in replacement for soketi, with "
           "Prometheus metrics and this dashboard.</p>"
           "<p>Built with Qt %2. Licensed under the GNU GPL v3 or later.</p>")
            .arg(QCoreApplication::applicationVersion().isEmpty() ? QStringLiteral(QSOKETI_VERSION)
                                                                  : QCoreApplication::applicationVersion(),
                QString::fromLatin1(qVersion())),
        QMessageBox::Close, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace qsoketi
