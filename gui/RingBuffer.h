// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QtGlobal>

namespace qsoketi {

// Fixed-capacity FIFO: once full, each push overwrites the oldest element. Memory is allocated once,
// so chart history stays bounded however long the dashboard runs.
template <typename T> class RingBuffer
{
public:
    explicit RingBuffer(qsizetype capacity = 1)
        : m_data(size_t(qMax<qsizetype>(1, capacity)))
    {}

    void push(const T &value)
    {
        m_data[size_t((m_start + m_size) % capacity())] = value;
        if (m_size < capacity())
            ++m_size;
        else
            m_start = (m_start + 1) % capacity();
    }
    void clear()
    {
        m_start = 0;
        m_size = 0;
    }
    qsizetype size() const { return m_size; }
    qsizetype capacity() const { return qsizetype(m_data.size()); }
    bool isEmpty() const { return m_size == 0; }
    // 0 = oldest.
    const T &at(qsizetype i) const { return m_data[size_t((m_start + i) % capacity())]; }
    const T &last() const { return at(m_size - 1); }

private:
    std::vector<T> m_data;
    qsizetype m_start = 0;
    qsizetype m_size = 0;
};

} // namespace qsoketi
