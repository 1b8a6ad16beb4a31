// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include "FuzzCheck.h"

// A file the config targets rewrite for every input. In a RAM-backed folder when there is one: on ext4,
// truncating and rewriting a file forces a disk write at close, which would cap a target at ~250 runs/s.
class FuzzInputFile
{
public:
    explicit FuzzInputFile(const QString &name)
        : m_dir(QDir(QStringLiteral("/dev/shm")).exists() ? QStringLiteral("/dev/shm/qsoketi-fuzz-XXXXXX")
                                                          : QDir::tempPath() + QStringLiteral("/qsoketi-fuzz-XXXXXX"))
        , m_path(m_dir.filePath(name))
    {
        FUZZ_CHECK(m_dir.isValid());
    }

    const QString &write(const char *data, qsizetype size)
    {
        QFile file(m_path);
        FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        FUZZ_CHECK(file.write(data, size) == size);
        return m_path;
    }
    QString folder() const { return m_dir.path(); }

private:
    QTemporaryDir m_dir;
    QString m_path;
};
