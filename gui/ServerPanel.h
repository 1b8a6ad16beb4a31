// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTimer;

namespace qsoketi {

class ServerCore;
struct App;

// What a developer needs to point an app at this server: addresses and ports, uptime, the apps with
// their keys (secrets hidden until asked), and a ready-to-paste pusher-js / Laravel Echo snippet.
class ServerPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ServerPanel(ServerCore &core, QWidget *parent = nullptr);

    // pusher-js + Laravel Echo + Laravel .env for one app; the secret only when showSecret.
    static QString clientSnippet(const QString &host, quint16 port, const App &app, bool showSecret);
    // A host a browser on this machine can reach ("0.0.0.0" listens everywhere but is not dialable).
    static QString dialableHost(const QString &listenHost);
    static QString formatUptime(qint64 ms);

    QString snippet() const;
    void setSecretsVisible(bool visible);
    bool secretsVisible() const { return m_secretsVisible; }
    QTableWidget *appsTable() const { return m_apps; }

private:
    void fillApps();
    void updateSnippet();
    void updateUptime();

    ServerCore &m_core;
    QLabel *m_uptime;
    QTableWidget *m_apps;
    QComboBox *m_snippetApp;
    QPlainTextEdit *m_snippet;
    bool m_secretsVisible = false;
};

} // namespace qsoketi
