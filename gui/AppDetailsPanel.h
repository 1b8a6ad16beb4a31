// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QWidget>

#include "apps/AppPtr.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QToolButton;

namespace qsoketi {

// Every field of one app (AppColumns), each with a Copy button, plus a ready-to-paste pusher-js snippet
// and the .env lines of a back end. Secrets (the secret, the replaced secret, webhooks, whose URLs and
// headers may carry tokens) show as dots or redacted until the user presses Show; Copy copies the real
// value either way, so a secret can reach a config file without appearing on screen.
class AppDetailsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit AppDetailsPanel(QWidget *parent = nullptr);

    void setApp(const AppPtr &app); // nullptr: nothing selected
    AppPtr app() const { return m_app; }
    void setSecretsVisible(bool visible);
    bool secretsVisible() const { return m_secretsVisible; }
    // Where clients reach this server, for the snippets.
    void setServerAddress(const QString &host, quint16 port, bool tls);

    // What the panel shows for a field (AppColumns name), as on screen.
    QString shownText(const QString &field) const;
    QToolButton *copyButton(const QString &field) const;
    QPushButton *showButton() const { return m_show; }
    QPushButton *copySnippetButton() const { return m_copySnippet; }
    QPushButton *copyEnvButton() const { return m_copyEnv; }

    static QString pusherJsSnippet(const App &app, const QString &host, quint16 port, bool tls);
    // Laravel-style PUSHER_* lines for a back end that publishes through the HTTP API (holds the secret).
    static QString envLines(const App &app, const QString &host, quint16 port, bool tls);
    // "maxEventPayloadInKb" → "Max event payload in kb"
    static QString label(const char *fieldName);

signals:
    // Something went to the clipboard: a line for the status bar, never the value.
    void copied(const QString &what);

private:
    struct Row
    {
        QString field;
        QLineEdit *line = nullptr; // one-line values
        QPlainTextEdit *text = nullptr; // webhooks
        QToolButton *copy = nullptr;
    };

    void fill();
    const Row *row(const QString &field) const;
    void copy(const QString &what, const QString &value);

    AppPtr m_app;
    bool m_secretsVisible = false;
    QString m_host = QStringLiteral("127.0.0.1");
    quint16 m_port = 6001;
    bool m_tls = false;
    QLabel *m_title;
    QList<Row> m_rows;
    QPushButton *m_show;
    QPushButton *m_copySnippet;
    QPushButton *m_copyEnv;
    QPlainTextEdit *m_snippet;
};

} // namespace qsoketi
