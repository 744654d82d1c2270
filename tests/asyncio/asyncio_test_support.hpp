// Shared helpers for the asyncio-layer tests: a protocol that records every
// callback, bounded waits, and the test scale.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace asyncio_test {

using namespace coronet;
using namespace std::chrono_literals;

inline double test_scale() {
    const char* v = std::getenv("CORONET_TEST_SCALE");
    return v ? std::atof(v) : 1.0;
}

// Waits (bounded: fails the test after 20 s) until `done()` holds, checking
// once per loop turn.
inline Task<void> wait_until(std::function<bool()> done, const char* what = "condition") {
    for (int i = 0; i < 200000 && !done(); ++i) {
        co_await sleep(100us);
    }
    if (!done()) ADD_FAILURE() << "timed out waiting for " << what;
}

// Records "message | exception" for every report that reaches the current
// loop's exception handler while it lives.
struct ReportedErrors {
    std::vector<std::string> messages;
    ReportedErrors() {
        Loop::current().set_exception_handler([this](Loop&, const ExceptionContext& ctx) {
            messages.push_back(ctx.message + " | " + describe_exception(ctx.exception));
        });
    }
    ~ReportedErrors() { Loop::current().set_exception_handler(nullptr); }
    ReportedErrors(const ReportedErrors&) = delete;
    ReportedErrors& operator=(const ReportedErrors&) = delete;
};

// What a Recorder saw; outlives the protocol (a server's protocols are
// destroyed with their transports after connection_lost).
struct Record {
    std::vector<std::string> events;
    std::string data;
    asyncio::Transport* transport = nullptr;  // null after connection_lost
    bool made = false;
    bool eof = false;
    bool lost = false;
    std::exception_ptr lost_error;
};

// Records callbacks as strings: "made", "data" (consecutive ones merged),
// "eof", "lost:ok" or "lost:error", "pause", "resume".
struct Recorder : asyncio::Protocol {
    std::shared_ptr<Record> rec = std::make_shared<Record>();
    bool keep_open_on_eof = false;
    std::function<void(Recorder&)> on_made;
    std::function<void(Recorder&, BytesView)> on_data;
    std::function<void(Recorder&)> on_eof;

    void connection_made(asyncio::BaseTransport& t) override {
        rec->transport = &dynamic_cast<asyncio::Transport&>(t);
        rec->made = true;
        rec->events.push_back("made");
        if (on_made) on_made(*this);
    }
    void data_received(BytesView d) override {
        if (rec->events.empty() || rec->events.back() != "data") rec->events.push_back("data");
        rec->data.append(d.str());
        if (on_data) on_data(*this, d);
    }
    bool eof_received() override {
        rec->events.push_back("eof");
        rec->eof = true;
        if (on_eof) on_eof(*this);
        return keep_open_on_eof;
    }
    void connection_lost(std::exception_ptr e) override {
        rec->events.push_back(e ? "lost:error" : "lost:ok");
        rec->lost_error = e;
        rec->lost = true;
        rec->transport = nullptr;
    }
    void pause_writing() override { rec->events.push_back("pause"); }
    void resume_writing() override { rec->events.push_back("resume"); }
};

// A factory that keeps the records of the protocols it made.
struct RecorderFactory {
    std::vector<std::shared_ptr<Record>> made;
    std::function<void(Recorder&)> configure;
    asyncio::ProtocolFactory factory() {
        return [this] {
            auto p = std::make_unique<Recorder>();
            if (configure) configure(*p);
            made.push_back(p->rec);
            return p;
        };
    }
};

inline std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

}  // namespace asyncio_test

// ASSERT_* cannot be used in a coroutine (it returns); this one co_returns.
#define CO_ASSERT(cond)                                     \
    do {                                                    \
        if (!(cond)) {                                      \
            ADD_FAILURE() << "assertion failed: " << #cond; \
            co_return;                                      \
        }                                                   \
    } while (0)
