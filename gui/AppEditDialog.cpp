// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppEditDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "AppDetailsPanel.h"
#include "apps/AppColumns.h"

namespace qsoketi {

namespace {

using Type = AppColumns::Type;

// The replaced secret belongs to Rotate secret, not to the form.
bool editable(const AppColumns::Field &field)
{
    return qstrncmp(field.name, "previousSecret", 14) != 0;
}

// What the form shows for a field of an existing app; empty for "unlimited" and no webhooks.
QString editorText(const AppColumns::Field &field, const App &app)
{
    const QVariant value = field.get(app);
    switch (field.type) {
    case Type::Int:
    case Type::Int64:
        return !field.serverDefault && value.toLongLong() <= 0 ? QString() : value.toString();
    case Type::Double:
        return QString::number(value.toDouble());
    case Type::Json:
        return app.webhooks.isEmpty()
            ? QString()
            : QString::fromUtf8(QJsonDocument(app.webhooks).toJson(QJsonDocument::Indented)).trimmed();
    default:
        return value.toString();
    }
}

} // namespace

AppEditDialog::AppEditDialog(const AppPtr &app, QWidget *parent)
    : QDialog(parent)
    , m_app(app)
    , m_error(new QLabel(this))
{
    setWindowTitle(app ? QStringLiteral("Edit app %1").arg(app->id) : QStringLiteral("Add an app"));
    const App current = app ? *app : App{};

    auto *credentials = new QGroupBox(QStringLiteral("Credentials"), this);
    auto *credentialsForm = new QFormLayout(credentials);
    auto *switches = new QGroupBox(QStringLiteral("Switches"), this);
    auto *switchesLayout = new QVBoxLayout(switches);
    auto *limits = new QGroupBox(QStringLiteral("Limits (empty: server default or unlimited)"), this);
    auto *limitsForm = new QFormLayout(limits);
    credentialsForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    limitsForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    for (const AppColumns::Field &field : AppColumns::all()) {
        if (!editable(field))
            continue;
        const QString name = QLatin1String(field.name);
        const QString title = AppDetailsPanel::label(field.name);
        switch (field.type) {
        case Type::String: {
            // An existing app keeps its id; its secret changes through Rotate secret (with a grace period).
            if (app && (name == QLatin1String("id") || field.secret))
                break;
            auto *edit = new QLineEdit(app ? editorText(field, current) : QString(), credentials);
            if (name == QLatin1String("allowedOrigins"))
                edit->setPlaceholderText(
                    QStringLiteral("any origin; e.g. https://app.example.com, https://*.example.com"));
            else if (!app)
                edit->setPlaceholderText(QStringLiteral("generated when empty"));
            credentialsForm->addRow(title, edit);
            m_lines.insert(name, edit);
            break;
        }
        case Type::Bool: {
            auto *box = new QCheckBox(title, switches);
            box->setChecked(field.get(current).toBool());
            switchesLayout->addWidget(box);
            m_checks.insert(name, box);
            break;
        }
        case Type::Int:
        case Type::Int64:
        case Type::Double: {
            auto *edit = new QLineEdit(app ? editorText(field, current) : QString(), limits);
            edit->setPlaceholderText(
                field.serverDefault ? QStringLiteral("server default") : QStringLiteral("unlimited"));
            edit->setMinimumWidth(120);
            limitsForm->addRow(title, edit);
            m_lines.insert(name, edit);
            break;
        }
        case Type::Json:
            m_webhooks = new QPlainTextEdit(app ? editorText(field, current) : QString(), this);
            m_webhooks->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
            m_webhooks->setPlaceholderText(
                QStringLiteral("[{\"url\": \"https://example.com/pusher/webhooks\",\n"
                               "  \"event_types\": [\"channel_occupied\", \"channel_vacated\"]}]"));
            break;
        }
    }
    if (app) {
        credentialsForm->insertRow(0, QStringLiteral("App ID"), new QLabel(app->id.toHtmlEscaped(), credentials));
        credentialsForm->addRow(new QLabel(QStringLiteral("The secret changes with Rotate secret."), credentials));
    }
    switchesLayout->addStretch(1);

    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(app ? QStringLiteral("Save changes") : QStringLiteral("Add app"));

    auto *left = new QVBoxLayout;
    left->addWidget(credentials);
    left->addWidget(switches, 1);
    auto *columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addWidget(limits, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns);
    layout->addWidget(new QLabel(QStringLiteral("Webhooks (a JSON array; empty: none)"), this));
    layout->addWidget(m_webhooks, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(760, 580);
    connect(buttons, &QDialogButtonBox::accepted, this, &AppEditDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &AppEditDialog::reject);
}

bool AppEditDialog::collect(QJsonObject *fields, QString *error) const
{
    *fields = {};
    const App original = m_app ? *m_app : App{};
    for (auto it = m_lines.cbegin(); it != m_lines.cend(); ++it) {
        const AppColumns::Field &field = *AppColumns::find(it.key());
        const QString text = it.value()->text().trimmed();
        if (m_app ? text == editorText(field, original) : text.isEmpty())
            continue; // unchanged, or left for the store to generate / default
        QJsonValue value(text);
        if (text.isEmpty()) {
            value = QJsonValue::Null; // back to the server default (a key cannot be emptied: validate says so)
        } else if (field.type != Type::String) {
            bool number = false;
            const double parsed = text.toDouble(&number);
            if (number)
                value = parsed;
            else if (!field.serverDefault && text.compare(QLatin1String("unlimited"), Qt::CaseInsensitive) == 0)
                value = -1;
        }
        QVariant stored;
        if (!AppColumns::validate(field, value, &stored, error))
            return false;
        fields->insert(it.key(), value);
    }
    for (auto it = m_checks.cbegin(); it != m_checks.cend(); ++it) {
        const AppColumns::Field &field = *AppColumns::find(it.key());
        // Unchanged switches stay out: a table made for soketi may lack qsoketi's extension columns.
        if (it.value()->isChecked() != field.get(original).toBool())
            fields->insert(it.key(), it.value()->isChecked());
    }
    const AppColumns::Field &hooksField = *AppColumns::find(QStringLiteral("webhooks"));
    const QString hooksText = m_webhooks->toPlainText().trimmed();
    if (hooksText != (m_app ? editorText(hooksField, original) : QString())) {
        QJsonArray hooks;
        if (!hooksText.isEmpty()) {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(hooksText.toUtf8(), &parseError);
            if (!doc.isArray()) {
                *error = parseError.error != QJsonParseError::NoError ? QStringLiteral("webhooks: %1 at character %2")
                                                                            .arg(parseError.errorString())
                                                                            .arg(parseError.offset)
                                                                      : QStringLiteral("webhooks must be a JSON array");
                return false;
            }
            hooks = doc.array();
        }
        QVariant stored;
        if (!AppColumns::validate(hooksField, hooks, &stored, error))
            return false;
        fields->insert(QStringLiteral("webhooks"), hooks);
    }
    return true;
}

void AppEditDialog::accept()
{
    QJsonObject fields;
    QString error;
    if (!collect(&fields, &error)) {
        m_error->setText(error);
        m_error->show();
        return;
    }
    if (m_app && fields.isEmpty()) {
        reject(); // nothing changed: nothing to write
        return;
    }
    emit submitted(fields);
    QDialog::accept();
}

} // namespace qsoketi
