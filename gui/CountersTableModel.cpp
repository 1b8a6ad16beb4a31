// SPDX-License-Identifier: GPL-3.0-or-later
#include "CountersTableModel.h"

#include <cmath>

#include "metrics/PrometheusTextSerializer.h"

namespace qsoketi {

namespace {

QString typeName(prometheus::MetricType type)
{
    switch (type) {
    case prometheus::MetricType::Counter:
        return QStringLiteral("counter");
    case prometheus::MetricType::Gauge:
        return QStringLiteral("gauge");
    case prometheus::MetricType::Summary:
        return QStringLiteral("summary");
    case prometheus::MetricType::Histogram:
        return QStringLiteral("histogram");
    case prometheus::MetricType::Untyped:
        break;
    }
    return QStringLiteral("untyped");
}

QString labelText(const std::vector<prometheus::ClientMetric::Label> &labels, const char *extraName = nullptr,
    const std::string &extraValue = {})
{
    std::string out;
    for (const auto &label : labels) {
        if (!out.empty())
            out += ',';
        out += label.name + "=\"" + PrometheusTextSerializer::escapeLabelValue(label.value) + '"';
    }
    if (extraName) {
        if (!out.empty())
            out += ',';
        out += std::string(extraName) + "=\"" + extraValue + '"';
    }
    return QString::fromStdString(out);
}

} // namespace

CountersTableModel::CountersTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

QList<CountersTableModel::Row> CountersTableModel::rowsOf(const MetricsSnapshot &snapshot)
{
    QList<Row> rows;
    for (const auto &family : snapshot.families) {
        const QString name = QString::fromStdString(family.name);
        const QString type = typeName(family.type);
        const QString help = QString::fromStdString(family.help);
        const auto add = [&](const QString &metric, const QString &labels, double value) {
            rows.append(Row{metric, labels, QString::fromStdString(PrometheusTextSerializer::formatValue(value)), type,
                help, value});
        };
        for (const auto &m : family.metric) {
            switch (family.type) {
            case prometheus::MetricType::Counter:
                add(name, labelText(m.label), m.counter.value);
                break;
            case prometheus::MetricType::Gauge:
                add(name, labelText(m.label), m.gauge.value);
                break;
            case prometheus::MetricType::Untyped:
                add(name, labelText(m.label), m.untyped.value);
                break;
            case prometheus::MetricType::Summary:
                for (const auto &q : m.summary.quantile)
                    add(name, labelText(m.label, "quantile", PrometheusTextSerializer::formatValue(q.quantile)),
                        q.value);
                add(name + QLatin1String("_sum"), labelText(m.label), m.summary.sample_sum);
                add(name + QLatin1String("_count"), labelText(m.label), double(m.summary.sample_count));
                break;
            case prometheus::MetricType::Histogram: {
                bool sawInf = false;
                for (const auto &b : m.histogram.bucket) {
                    sawInf = sawInf || std::isinf(b.upper_bound);
                    add(name + QLatin1String("_bucket"),
                        labelText(m.label, "le", PrometheusTextSerializer::formatValue(b.upper_bound)),
                        double(b.cumulative_count));
                }
                if (!sawInf)
                    add(name + QLatin1String("_bucket"), labelText(m.label, "le", "+Inf"),
                        double(m.histogram.sample_count));
                add(name + QLatin1String("_sum"), labelText(m.label), m.histogram.sample_sum);
                add(name + QLatin1String("_count"), labelText(m.label), double(m.histogram.sample_count));
                break;
            }
            }
        }
    }
    return rows;
}

QString CountersTableModel::sampleLine(const Row &row)
{
    if (row.labels.isEmpty())
        return row.metric + QLatin1Char(' ') + row.value;
    return row.metric + QLatin1Char('{') + row.labels + QLatin1String("} ") + row.value;
}

void CountersTableModel::setSnapshot(const MetricsSnapshot &snapshot)
{
    QList<Row> rows = rowsOf(snapshot);
    bool sameShape = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows[i].metric == m_rows[i].metric && rows[i].labels == m_rows[i].labels;
    if (!sameShape) {
        // New series appeared (a new app, a remote node): rebuild. Otherwise only values change, which
        // keeps the user's selection and scroll position.
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, ValueColumn), index(int(m_rows.size()) - 1, ValueColumn), {Qt::DisplayRole});
}

int CountersTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CountersTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CountersTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows[index.row()];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case MetricColumn:
            return row.metric;
        case LabelsColumn:
            return row.labels;
        case ValueColumn:
            return row.value;
        case TypeColumn:
            return row.type;
        }
    } else if (role == Qt::ToolTipRole) {
        return row.help;
    } else if (role == Qt::TextAlignmentRole && index.column() == ValueColumn) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::UserRole) {
        return row.number;
    }
    return {};
}

QVariant CountersTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Metric", "Labels", "Value", "Type"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(titles[section]) : QVariant();
}

} // namespace qsoketi
