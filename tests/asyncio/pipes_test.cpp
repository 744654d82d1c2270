// connect_read_pipe / connect_write_pipe over os pipes: data, EOF, callback
// order, flow control, reader-gone detection, bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/pipes.hpp>

#include "asyncio/asyncio_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

struct PipeRecorder : aio::Protocol {
    std::shared_ptr<Record> rec = std::make_shared<Record>();
    aio::BaseTransport* transport = nullptr;
    void connection_made(aio::BaseTransport& t) override {
        transport = &t;
        rec->events.push_back("made");
    }
    void data_received(BytesView d) override {
        if (rec->events.back() != "data") rec->events.push_back("data");
        rec->data.append(d.str());
    }
    bool eof_received() override {
        rec->events.push_back("eof");
        return true;  // ignored by a read pipe: it closes anyway
    }
    void connection_lost(std::exception_ptr e) override {
        rec->events.push_back(e ? "lost:error" : "lost:ok");
        rec->lost_error = e;
        rec->lost = true;
    }
    void pause_writing() override { rec->events.push_back("pause"); }
    void resume_writing() override { rec->events.push_back("resume"); }
};

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        r = fds[0];
        w = fds[1];
    }
};

aio::ProtocolFactory factory_into(std::shared_ptr<Record>& rec) {
    return [&rec] {
        auto p = std::make_unique<PipeRecorder>();
        rec = p->rec;
        return p;
    };
}

TEST(Pipes, DataEofAndCallbackOrder) {
    coronet::run([]() -> Task<void> {
        Pipe p;
        std::shared_ptr<Record> rrec, wrec;
        auto rf = factory_into(rrec);
        auto wf = factory_into(wrec);
        aio::ReadPipeConnection r = co_await aio::connect_read_pipe(rf, p.r);
        aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, p.w);
        EXPECT_EQ(joined(rrec->events), "made");
        EXPECT_EQ(std::any_cast<int>(r.transport->get_extra_info("pipe")), p.r);
        EXPECT_EQ(std::any_cast<int>(w.transport->get_extra_info("pipe")), p.w);
        EXPECT_TRUE(w.transport->can_write_eof());
        w.transport->write("hello ");
        const BytesView lines[] = {BytesView("pipe "), BytesView("world")};
        w.transport->writelines(lines);
        w.transport->write_eof();  // closes the pipe once flushed
        co_await wait_until([&] { return rrec->lost && wrec->lost; }, "both lost");
        EXPECT_EQ(rrec->data, "hello pipe world");
        EXPECT_EQ(joined(rrec->events), "made data eof lost:ok");
        EXPECT_EQ(joined(wrec->events), "made lost:ok");
        EXPECT_FALSE(r.transport->get_extra_info("pipe").has_value());  // closed
        EXPECT_TRUE(r.transport->is_closing());
    });
}

TEST(Pipes, FlowControlPausesAtHighAndResumesAtLow) {
    coronet::run([]() -> Task<void> {
        Pipe p;
        std::shared_ptr<Record> rrec, wrec;
        auto rf = factory_into(rrec);
        auto wf = factory_into(wrec);
        aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, p.w);
        w.transport->set_write_buffer_limits(64 * 1024, 16 * 1024);
        EXPECT_EQ(w.transport->get_write_buffer_limits(),
                  (std::pair<std::size_t, std::size_t>{16384, 65536}));
        // Nobody reads yet: the pipe (64 KiB) fills, then our buffer.
        const std::string chunk(32 * 1024, 'x');
        const std::size_t total = std::size_t(std::max(8.0, 16 * test_scale())) * chunk.size();
        for (std::size_t sent = 0; sent < total; sent += chunk.size())
            w.transport->write(chunk);
        EXPECT_EQ(joined(wrec->events), "made pause");
        EXPECT_GT(w.transport->get_write_buffer_size(), 64u * 1024);
        // The reader drains it: resume once the buffer is at 16 KiB or less.
        aio::ReadPipeConnection r = co_await aio::connect_read_pipe(rf, p.r);
        r.transport->pause_reading();
        r.transport->pause_reading();  // idempotent
        EXPECT_FALSE(r.transport->is_reading());
        co_await sleep(5ms);
        EXPECT_EQ(rrec->data.size(), 0u);
        r.transport->resume_reading();
        EXPECT_TRUE(r.transport->is_reading());
        co_await wait_until([&] { return rrec->data.size() == total; }, "all data");
        EXPECT_EQ(joined(wrec->events), "made pause resume");
        EXPECT_EQ(w.transport->get_write_buffer_size(), 0u);
        w.transport->close();
        co_await wait_until([&] { return rrec->lost && wrec->lost; });
        EXPECT_EQ(joined(rrec->events), "made data eof lost:ok");
    });
}

TEST(Pipes, ReaderGoneIsNoticedAndPendingDataIsAnError) {
    coronet::run([]() -> Task<void> {
        {  // idle writer: the reader closing ends it quietly
            Pipe p;
            std::shared_ptr<Record> wrec;
            auto wf = factory_into(wrec);
            aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, p.w);
            ::close(p.r);
            co_await wait_until([&] { return wrec->lost; }, "writer lost");
            EXPECT_EQ(joined(wrec->events), "made lost:ok");
        }
        {  // data pending: BrokenResourceError (asyncio's BrokenPipeError), no SIGPIPE
            Pipe p;
            std::shared_ptr<Record> wrec;
            auto wf = factory_into(wrec);
            aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, p.w);
            const std::string big(256 * 1024, 'y');
            w.transport->write(big);
            ::close(p.r);
            co_await wait_until([&] { return wrec->lost; }, "writer lost");
            CO_ASSERT(wrec->lost_error != nullptr);
            EXPECT_THROW(std::rethrow_exception(wrec->lost_error), BrokenResourceError);
        }
    });
}

TEST(Pipes, AbortDropsDataAndWriteAfterCloseIsReported) {
    std::vector<std::string> reported;
    coronet::run([&]() -> Task<void> {
        Loop::current().set_exception_handler(
            [&](Loop&, const ExceptionContext& c) { reported.push_back(c.message); });
        Pipe p;
        std::shared_ptr<Record> rrec, wrec;
        auto rf = factory_into(rrec);
        auto wf = factory_into(wrec);
        aio::ReadPipeConnection r = co_await aio::connect_read_pipe(rf, p.r);
        aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, p.w);
        w.transport->abort();
        w.transport->write("dropped");
        co_await wait_until([&] { return rrec->lost && wrec->lost; });
        EXPECT_EQ(rrec->data, "");
        EXPECT_EQ(joined(rrec->events), "made eof lost:ok");
        r.transport->close();  // idempotent after the loss
    });
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_NE(reported[0].find("closing pipe transport"), std::string::npos);
}

TEST(Pipes, BadInputIsAClearError) {
    coronet::run([]() -> Task<void> {
        std::shared_ptr<Record> rec;
        auto f = factory_into(rec);
        EXPECT_THROW(co_await aio::connect_read_pipe(f, -1), OSError);
        EXPECT_THROW(co_await aio::connect_write_pipe(f, 1000000), OSError);
        char path[] = "/tmp/coronet-pipe-XXXXXX";
        const int file = ::mkstemp(path);
        CO_ASSERT(file >= 0);
        ::unlink(path);
        EXPECT_THROW(co_await aio::connect_read_pipe(f, file), std::invalid_argument);
        EXPECT_THROW(co_await aio::connect_write_pipe({}, file), std::invalid_argument);
        ::close(file);
    });
}

}  // namespace
