// The slow-reader flow-control test's pieces, shared by the plain and TLS
// transports: a writer protocol that writes only while not paused and checks
// the water-mark rules at each pause_writing/resume_writing, a reader that
// drains in short bursts, and the checks both make at the end.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <coronet/coronet.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "asyncio/asyncio_test_support.hpp"

namespace asyncio_test {

// Writes `left` bytes in chunks while not paused, then closes. pause_writing
// must come only above `high`, resume_writing only at or below `low`.
struct PacedWriter : asyncio::Protocol {
    asyncio::Transport* t = nullptr;
    std::string chunk = std::string(16 * 1024, 'z');
    std::size_t left = 0, max_buffered = 0, pauses = 0, resumes = 0, high = 0, low = 0;
    bool paused = false, lost = false, bad_pause = false, bad_resume = false;

    void connection_made(asyncio::BaseTransport& tr) override {
        t = &dynamic_cast<asyncio::Transport&>(tr);
    }
    void pump() {
        while (!paused && left > 0) {
            const std::size_t n = std::min(left, chunk.size());
            t->write(BytesView(chunk).subview(0, n));
            left -= n;
            max_buffered = std::max(max_buffered, t->get_write_buffer_size());
        }
        if (left == 0 && !t->is_closing()) t->close();
    }
    void pause_writing() override {
        if (t->get_write_buffer_size() <= high || paused) bad_pause = true;
        paused = true;
        ++pauses;
    }
    void resume_writing() override {
        if (t->get_write_buffer_size() > low || !paused) bad_resume = true;
        paused = false;
        ++resumes;
        pump();
    }
    void connection_lost(std::exception_ptr) override { lost = true; }
};

// A PacedWriter for `total` bytes and the factory that hands it (once) to
// the transport; `writer` stays valid as long as the transport holds it.
struct PacedWriterSetup {
    std::unique_ptr<PacedWriter> owner = std::make_unique<PacedWriter>();
    PacedWriter& writer = *owner;
    asyncio::ProtocolFactory factory;

    PacedWriterSetup(std::size_t total, std::size_t high, std::size_t low) {
        writer.left = total;
        writer.high = high;
        writer.low = low;
        factory = [this]() -> std::unique_ptr<asyncio::BaseProtocol> { return std::move(owner); };
    }
    PacedWriterSetup(const PacedWriterSetup&) = delete;
    PacedWriterSetup& operator=(const PacedWriterSetup&) = delete;
};

// The slow reader: reads for 100 us, then not for 200 us, until its
// connection is lost (bounded).
inline Task<void> read_in_bursts(const Record& reader) {
    for (int i = 0; i < 2000000 && !reader.lost; ++i) {
        if (reader.transport) reader.transport->resume_reading();
        co_await sleep(100us);
        if (reader.transport) reader.transport->pause_reading();
        co_await sleep(200us);
    }
    EXPECT_TRUE(reader.lost);
}

// Everything arrived, the writer paused at least once, every pause and
// resume kept the rules, and the buffer never held more than the high mark
// plus one write.
inline void expect_paced(const PacedWriter& w, std::size_t received, std::size_t total) {
    EXPECT_TRUE(w.lost);
    EXPECT_EQ(received, total);
    EXPECT_GT(w.pauses, 0u);
    EXPECT_GE(w.pauses, w.resumes);
    EXPECT_FALSE(w.bad_pause);
    EXPECT_FALSE(w.bad_resume);
    EXPECT_LE(w.max_buffered, w.high + w.chunk.size());
}

}  // namespace asyncio_test
