// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppDetailsPanel.h"

#include <algorithm>
#include <vector>

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include "apps/AppColumns.h"

namespace qsoketi {

namespace {

const QString kHidden = QStringLiteral("•••••••• (hidden)");

// Where a field shows: 0 credentials, 1 switches, 2 the rotation's replaced secret (left column),
// 3 limits (right column), 4 webhooks (below both).
int rank(const AppColumns::Field &field)
{
    switch (field.type) {
    case AppColumns::Type::String:
        return field.extension ? 2 : 0;
    case AppColumns::Type::Bool:
        return 1;
    case AppColumns::Type::Int64:
        return 2;
    case AppColumns::Type::Int:
    case AppColumns::Type::Double:
        return 3;
    case AppColumns::Type::Json:
        return 4;
    }
    return 4;
}

// The value as a config file wants it: what Copy puts on the clipboard.
QString rawValue(const AppColumns::Field &field, const App &app)
{
    const QVariant value = field.get(app);
    switch (field.type) {
    case AppColumns::Type::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case AppColumns::Type::Json:
        return QString::fromUtf8(QJsonDocument(app.webhooks).toJson(QJsonDocument::Indented)).trimmed();
    default:
        return value.toString();
    }
}

QString shownValue(const AppColumns::Field &field, const App &app, bool secrets)
{
    const QVariant value = field.get(app);
    switch (field.type) {
    case AppColumns::Type::String:
        if (value.toString().isEmpty())
            return QStringLiteral("—");
        return field.secret && !secrets ? kHidden : value.toString();
    case AppColumns::Type::Bool:
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    case AppColumns::Type::Int:
        // Only connection and rate limits take -1; the server-default limits are always positive.
        return !field.serverDefault && value.toInt() <= 0 ? QStringLiteral("unlimited") : value.toString();
    case AppColumns::Type::Int64: { // the end of a rotation's grace period
        const qint64 ms = value.toLongLong();
        if (ms <= 0)
            return QStringLiteral("—");
        const QString when = QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        return ms < QDateTime::currentMSecsSinceEpoch() ? when + QStringLiteral(" (over)") : when;
    }
    case AppColumns::Type::Double:
        return QString::number(value.toDouble());
    case AppColumns::Type::Json: {
        if (app.webhooks.isEmpty())
            return QStringLiteral("[] (none)");
        // One hook a line, where it goes first: "url — event types — headers — filter". Copy gives the JSON.
        const QJsonArray hooks = AppColumns::toJson(app, secrets).value(QLatin1String(field.name)).toArray();
        QStringList lines;
        for (const QJsonValue &value : hooks) {
            const QJsonObject hook = value.toObject();
            QStringList parts{hook.contains(QLatin1String("url"))
                    ? hook.value(QLatin1String("url")).toString()
                    : QStringLiteral("lambda ") + hook.value(QLatin1String("lambda_function")).toString()};
            QStringList events;
            for (const QJsonValue &type : hook.value(QLatin1String("event_types")).toArray())
                events << type.toString();
            parts << events.join(QStringLiteral(", "));
            if (hook.contains(QLatin1String("headers")))
                parts << QStringLiteral("headers ")
                        + QString::fromUtf8(QJsonDocument(hook.value(QLatin1String("headers")).toObject())
                                                .toJson(QJsonDocument::Compact));
            if (hook.contains(QLatin1String("filter")))
                parts << QStringLiteral("filter ")
                        + QString::fromUtf8(QJsonDocument(hook.value(QLatin1String("filter")).toObject())
                                                .toJson(QJsonDocument::Compact));
            lines << parts.join(QStringLiteral(" — "));
        }
        if (!secrets)
            lines << QStringLiteral("(credentials in URLs and headers hidden: Show secrets reveals them)");
        return lines.join(u'\n');
    }
    }
    return value.toString();
}

QString scheme(bool tls, const char *plain, const char *secure)
{
    return QLatin1String(tls ? secure : plain);
}

} // namespace

AppDetailsPanel::AppDetailsPanel(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_show(new QPushButton(QStringLiteral("Show secrets"), this))
    , m_copySnippet(new QPushButton(QStringLiteral("Copy pusher-js snippet"), this))
    , m_copyEnv(new QPushButton(QStringLiteral("Copy .env lines"), this))
    , m_snippet(new QPlainTextEdit(this))
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_title->setTextFormat(Qt::RichText);
    m_show->setCheckable(true);
    m_show->setToolTip(QStringLiteral("Show the secret, the replaced secret and full webhook URLs"));
    m_copyEnv->setToolTip(QStringLiteral("PUSHER_APP_ID, _KEY, _SECRET, _HOST, _PORT, _SCHEME for a back end "
                                         "(holds the secret; copied without showing it)"));

    // Left: credentials, switches and the rotation state; right: the limits; below: the webhooks.
    std::vector<const AppColumns::Field *> ordered;
    for (const AppColumns::Field &field : AppColumns::all())
        ordered.push_back(&field);
    std::stable_sort(ordered.begin(), ordered.end(),
        [](const AppColumns::Field *a, const AppColumns::Field *b) { return rank(*a) < rank(*b); });
    auto *fields = new QWidget(this);
    auto *grid = new QGridLayout(fields);
    grid->setContentsMargins(0, 0, 4, 0);
    grid->setVerticalSpacing(2);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(4, 1);
    int rows[2] = {0, 0};
    for (const AppColumns::Field *field : ordered) {
        Row row;
        row.field = QLatin1String(field->name);
        auto *name = new QLabel(label(field->name), fields);
        name->setToolTip(QStringLiteral("%1 (column %2)").arg(row.field, QLatin1String(field->column)));
        row.copy = new QToolButton(fields);
        row.copy->setText(QStringLiteral("Copy"));
        row.copy->setToolTip(field->secret ? QStringLiteral("Copy %1 (without showing it)").arg(name->text())
                                           : QStringLiteral("Copy %1").arg(name->text()));
        if (field->type == AppColumns::Type::Json) {
            row.text = new QPlainTextEdit(fields);
            row.text->setReadOnly(true);
            row.text->setFont(mono);
            row.text->setLineWrapMode(QPlainTextEdit::NoWrap);
            row.text->setFixedHeight(row.text->fontMetrics().height() * 4 + 12);
            const int at = std::max(rows[0], rows[1]);
            name->setAlignment(Qt::AlignLeft | Qt::AlignTop);
            grid->addWidget(name, at, 0);
            grid->addWidget(row.text, at, 1, 1, 4);
            grid->addWidget(row.copy, at, 5, Qt::AlignTop);
            rows[0] = rows[1] = at + 1;
        } else {
            row.line = new QLineEdit(fields);
            row.line->setReadOnly(true);
            row.line->setFrame(false);
            row.line->setMinimumWidth(120);
            const int side = rank(*field) == 3 ? 1 : 0;
            if (side == 1)
                name->setIndent(16);
            grid->addWidget(name, rows[side], side * 3);
            grid->addWidget(row.line, rows[side], side * 3 + 1);
            grid->addWidget(row.copy, rows[side], side * 3 + 2);
            ++rows[side];
        }
        const QString fieldName = row.field;
        connect(row.copy, &QToolButton::clicked, this, [this, fieldName, title = name->text()] {
            const AppColumns::Field *field = AppColumns::find(fieldName);
            if (m_app && field)
                copy(title, rawValue(*field, *m_app));
        });
        m_rows.append(row);
    }
    grid->setRowStretch(std::max(rows[0], rows[1]), 1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(fields);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    m_snippet->setReadOnly(true);
    m_snippet->setFont(mono);
    m_snippet->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_snippet->setMinimumWidth(200);

    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_show);
    auto *left = new QVBoxLayout;
    left->addLayout(header);
    left->addWidget(scroll, 1);
    auto *snippetBar = new QHBoxLayout;
    snippetBar->addWidget(m_copySnippet);
    snippetBar->addWidget(m_copyEnv);
    snippetBar->addStretch(1);
    auto *right = new QVBoxLayout;
    right->addWidget(new QLabel(QStringLiteral("<b>Client</b> (pusher-js) and back end"), this));
    right->addWidget(m_snippet, 1);
    right->addLayout(snippetBar);
    // Side by side, resizable: a narrow window gives the fields the room and scrolls the snippet.
    auto *splitter = new QSplitter(this);
    auto *leftPane = new QWidget(splitter);
    leftPane->setLayout(left);
    left->setContentsMargins(0, 0, 4, 0);
    auto *rightPane = new QWidget(splitter);
    rightPane->setLayout(right);
    right->setContentsMargins(4, 0, 0, 0);
    splitter->addWidget(leftPane);
    splitter->addWidget(rightPane);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({900, 380});
    splitter->setChildrenCollapsible(false);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_show, &QPushButton::toggled, this, &AppDetailsPanel::setSecretsVisible);
    connect(m_copySnippet, &QPushButton::clicked, this, [this] {
        if (m_app)
            copy(QStringLiteral("the pusher-js snippet"), pusherJsSnippet(*m_app, m_host, m_port, m_tls));
    });
    connect(m_copyEnv, &QPushButton::clicked, this, [this] {
        if (m_app)
            copy(QStringLiteral("the .env lines"), envLines(*m_app, m_host, m_port, m_tls));
    });
    fill();
}

QString AppDetailsPanel::label(const char *fieldName)
{
    QString text;
    for (const char *c = fieldName; *c; ++c) {
        if (*c >= 'A' && *c <= 'Z') {
            text += QLatin1Char(' ');
            text += QLatin1Char(char(*c - 'A' + 'a'));
        } else {
            text += QLatin1Char(*c);
        }
    }
    if (text == QLatin1String("id"))
        return QStringLiteral("App ID");
    text[0] = text[0].toUpper();
    return text;
}

QString AppDetailsPanel::pusherJsSnippet(const App &app, const QString &host, quint16 port, bool tls)
{
    return QStringLiteral("import Pusher from 'pusher-js';\n"
                          "\n"
                          "const pusher = new Pusher('%1', {\n"
                          "    wsHost: '%2',\n"
                          "    wsPort: %3,\n"
                          "    wssPort: %3,\n"
                          "    forceTLS: %4,\n"
                          "    enabledTransports: ['ws', 'wss'],\n"
                          "    cluster: 'mt1',\n"
                          "    disableStats: true,\n"
                          "});\n")
        .arg(app.key, host)
        .arg(port)
        .arg(scheme(tls, "false", "true"));
}

QString AppDetailsPanel::envLines(const App &app, const QString &host, quint16 port, bool tls)
{
    return QStringLiteral("PUSHER_APP_ID=%1\n"
                          "PUSHER_APP_KEY=%2\n"
                          "PUSHER_APP_SECRET=%3\n"
                          "PUSHER_HOST=%4\n"
                          "PUSHER_PORT=%5\n"
                          "PUSHER_SCHEME=%6\n"
                          "PUSHER_APP_CLUSTER=mt1\n")
        .arg(app.id, app.key, app.secret, host)
        .arg(port)
        .arg(scheme(tls, "http", "https"));
}

void AppDetailsPanel::setApp(const AppPtr &app)
{
    m_app = app;
    fill();
}

void AppDetailsPanel::setSecretsVisible(bool visible)
{
    m_secretsVisible = visible;
    if (m_show->isChecked() != visible)
        m_show->setChecked(visible); // calls back here once
    m_show->setText(visible ? QStringLiteral("Hide secrets") : QStringLiteral("Show secrets"));
    fill();
}

void AppDetailsPanel::setServerAddress(const QString &host, quint16 port, bool tls)
{
    m_host = host;
    m_port = port;
    m_tls = tls;
    fill();
}

QString AppDetailsPanel::shownText(const QString &field) const
{
    const Row *r = row(field);
    if (!r)
        return {};
    return r->line ? r->line->text() : r->text->toPlainText();
}

QToolButton *AppDetailsPanel::copyButton(const QString &field) const
{
    const Row *r = row(field);
    return r ? r->copy : nullptr;
}

const AppDetailsPanel::Row *AppDetailsPanel::row(const QString &field) const
{
    for (const Row &r : m_rows)
        if (r.field == field)
            return &r;
    return nullptr;
}

void AppDetailsPanel::fill()
{
    if (!m_app) {
        m_title->setText(QStringLiteral("<i>Select an app to see all its fields.</i>"));
    } else {
        m_title->setText(QStringLiteral("<b>%1</b> — %2")
                             .arg(m_app->id.toHtmlEscaped(),
                                 m_app->enabled ? QStringLiteral("<span style='color:#2e7d32'>enabled</span>")
                                                : QStringLiteral("<span style='color:#c62828'>disabled</span>")));
    }
    for (const Row &r : std::as_const(m_rows)) {
        const AppColumns::Field *field = AppColumns::find(r.field);
        const QString text = m_app ? shownValue(*field, *m_app, m_secretsVisible) : QString();
        if (r.line) {
            r.line->setText(text);
            r.line->setCursorPosition(0);
        } else {
            r.text->setPlainText(text);
        }
        // Nothing to copy: no replaced secret, no grace period.
        const bool empty = !m_app
            || (field->type == AppColumns::Type::String && field->get(*m_app).toString().isEmpty())
            || (field->type == AppColumns::Type::Int64 && field->get(*m_app).toLongLong() <= 0);
        r.copy->setEnabled(!empty);
    }
    m_copySnippet->setEnabled(bool(m_app));
    m_copyEnv->setEnabled(bool(m_app));
    QString snippet;
    if (m_app) {
        App shown = *m_app;
        if (!m_secretsVisible)
            shown.secret = kHidden;
        snippet = pusherJsSnippet(shown, m_host, m_port, m_tls) + QStringLiteral("\n# Back end .env (Laravel)\n")
            + envLines(shown, m_host, m_port, m_tls);
    }
    m_snippet->setPlainText(snippet);
}

void AppDetailsPanel::copy(const QString &what, const QString &value)
{
    QApplication::clipboard()->setText(value);
    emit copied(QStringLiteral("Copied %1 to the clipboard.").arg(what));
}

} // namespace qsoketi
