// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QAction;

namespace qsoketi {

class DashboardWindow;

// The window's menu bar and keyboard shortcuts: File (export, quit: Ctrl+Q), View (Ctrl+1… for the tabs,
// the alert rules, Ctrl+F to the console's filter), Help (keyboard shortcuts: F1, About). Dialogs open window-modal
// without a nested event loop.
class DashboardMenus : public QObject
{
    Q_OBJECT

public:
    explicit DashboardMenus(DashboardWindow *window);

    QAction *quitAction() const { return m_quit; }
    QAction *findAction() const { return m_find; }
    QAction *aboutAction() const { return m_about; }
    QAction *shortcutsAction() const { return m_shortcuts; }
    QAction *alertRulesAction() const { return m_alertRules; }
    static QString shortcutsText();

private:
    void showAbout();
    void showShortcuts();

    DashboardWindow *m_window;
    QAction *m_quit;
    QAction *m_find;
    QAction *m_about;
    QAction *m_shortcuts;
    QAction *m_alertRules;
};

} // namespace qsoketi
