// StreamReader (fed by hand and by a connection), StreamWriter, and
// open_connection / start_server with their UNIX variants.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/streams.hpp>
#include <filesystem>

#include "asyncio/asyncio_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

TEST(StreamReader, ReadsFromFedData) {
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r;
        EXPECT_EQ(r.limit(), 64u * 1024);
        r.feed_data("line one\nline two\nabcdefgh");
        EXPECT_EQ((co_await r.readline()).str(), "line one\n");
        EXPECT_EQ((co_await r.readuntil("two")).str(), "line two");
        EXPECT_EQ((co_await r.readexactly(2)).str(), "\na");
        EXPECT_EQ((co_await r.read(3)).str(), "bcd");
        EXPECT_EQ((co_await r.read(0)).str(), "");
        EXPECT_FALSE(r.at_eof());
        r.feed_eof();
        EXPECT_FALSE(r.at_eof());  // data left
        EXPECT_EQ((co_await r.read()).str(), "efgh");
        EXPECT_TRUE(r.at_eof());
        // At EOF every read returns empty, as asyncio.
        EXPECT_EQ((co_await r.read()).str(), "");
        EXPECT_EQ((co_await r.read(10)).str(), "");
        EXPECT_EQ((co_await r.readline()).str(), "");
        EXPECT_EQ((co_await r.readexactly(0)).str(), "");
    });
}

TEST(StreamReader, ReadexactlyRaisesIncompleteReadError) {
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r;
        r.feed_data("abc");
        r.feed_eof();
        try {
            co_await r.readexactly(5);
            ADD_FAILURE() << "no error";
        } catch (const aio::IncompleteReadError& e) {
            EXPECT_EQ(e.partial.str(), "abc");
            EXPECT_EQ(e.expected, std::optional<std::size_t>(5));
            EXPECT_NE(std::string(e.what()).find("3 bytes read on a total of 5"),
                      std::string::npos);
        }
        EXPECT_TRUE(r.at_eof());
    });
}

TEST(StreamReader, ReaduntilAtEofRaisesIncompleteReadErrorWithTheRest) {
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r;
        r.feed_data("no separator");
        r.feed_eof();
        try {
            co_await r.readuntil("\r\n");
            ADD_FAILURE() << "no error";
        } catch (const aio::IncompleteReadError& e) {
            EXPECT_EQ(e.partial.str(), "no separator");
            EXPECT_FALSE(e.expected.has_value());
        }
        // readline gives the incomplete last line instead.
        aio::StreamReader r2;
        r2.feed_data("last");
        r2.feed_eof();
        EXPECT_EQ((co_await r2.readline()).str(), "last");
    });
}

TEST(StreamReader, ReaduntilOverrunKeepsTheData) {
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r(8);
        r.feed_data("0123456789abc");  // no separator within the limit
        try {
            co_await r.readuntil("\n");
            ADD_FAILURE() << "no error";
        } catch (const aio::LimitOverrunError& e) {
            EXPECT_EQ(e.consumed, 13u);
            EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
        }
        EXPECT_EQ(r.buffered(), 13u);  // nothing lost
        r.feed_data("\nxy\n");
        try {
            co_await r.readuntil("\n");
            ADD_FAILURE() << "no error";
        } catch (const aio::LimitOverrunError& e) {
            EXPECT_EQ(e.consumed, 13u);  // found, but beyond the limit
            EXPECT_NE(std::string(e.what()).find("longer than limit"), std::string::npos);
        }
        EXPECT_EQ((co_await r.readexactly(14)).str(), "0123456789abc\n");
        EXPECT_EQ((co_await r.readuntil("\n")).str(), "xy\n");
        // readline discards the overlong line (up to its separator) and raises.
        r.feed_data("this line is too long\nshort\n");
        EXPECT_THROW(co_await r.readline(), aio::LimitOverrunError);
        EXPECT_EQ((co_await r.readline()).str(), "short\n");
    });
}

TEST(StreamReader, BadInputIsAClearError) {
    EXPECT_THROW(aio::StreamReader(0), std::invalid_argument);
    EXPECT_THROW(aio::StreamReader(-1), std::invalid_argument);
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r;
        EXPECT_THROW(co_await r.readexactly(-1), std::invalid_argument);
        EXPECT_THROW(co_await r.readuntil(""), std::invalid_argument);
        r.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
        EXPECT_TRUE(r.exception() != nullptr);
        EXPECT_THROW(co_await r.read(), std::runtime_error);
        aio::StreamReader r2;
        r2.feed_eof();
        EXPECT_THROW(r2.feed_data("late"), std::logic_error);
    });
}

Task<void> feed_later(aio::StreamReader r) {
    co_await sleep(1ms);
    r.feed_data("hel");
    co_await sleep(1ms);
    r.feed_data("lo\n");
}

TEST(StreamReader, WaitsForDataAndRejectsASecondWaiter) {
    coronet::run([&]() -> Task<void> {
        aio::StreamReader r;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn(feed_later(r));
            EXPECT_EQ((co_await r.readline()).str(), "hello\n");
        });
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn(feed_later(r));
            tg.spawn([](aio::StreamReader rr) -> Task<void> {
                EXPECT_EQ((co_await rr.readexactly(6)).str(), "hello\n");
            }(r));
            co_await sleep(Duration::zero());
            EXPECT_THROW(co_await r.read(1), std::logic_error);
        });
    });
}

Task<void> echo_handler(aio::StreamReader reader, aio::StreamWriter writer) {
    while (true) {
        Bytes line = co_await reader.readline();
        if (line.size() == 0) break;
        writer.write(line);
        co_await writer.drain();
    }
    writer.close();
    co_await writer.wait_closed();
}

TEST(Streams, OpenConnectionAndStartServer) {
    coronet::run([&]() -> Task<void> {
        aio::Server server = co_await aio::start_server(echo_handler, "127.0.0.1", 0);
        const int port = server.addresses().at(0).port();
        auto [reader, writer] = co_await aio::open_connection("127.0.0.1", port);
        EXPECT_TRUE(writer.can_write_eof());
        EXPECT_FALSE(writer.is_closing());
        auto peer = std::any_cast<net::SocketAddress>(writer.get_extra_info("peername"));
        EXPECT_EQ(peer.port(), port);
        writer.write("first\n");
        std::vector<BytesView> lines{BytesView("second\n"), BytesView("third\n")};
        writer.writelines(lines);
        co_await writer.drain();
        EXPECT_EQ((co_await reader.readline()).str(), "first\n");
        EXPECT_EQ((co_await reader.readline()).str(), "second\n");
        EXPECT_EQ((co_await reader.readexactly(6)).str(), "third\n");
        writer.write_eof();
        EXPECT_EQ((co_await reader.read()).str(), "");  // the server closed after our EOF
        EXPECT_TRUE(reader.at_eof());
        writer.close();
        EXPECT_TRUE(writer.is_closing());
        co_await writer.wait_closed();
        EXPECT_THROW(co_await writer.drain(), BrokenResourceError);
        server.close();
        co_await server.wait_closed();
    });
}

TEST(Streams, UnixVariants) {
    coronet::run([&]() -> Task<void> {
        auto dir = std::filesystem::temp_directory_path() /
                   ("coronet-aio-streams-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const std::string path = (dir / "s.sock").string();
        aio::Server server = co_await aio::start_unix_server(echo_handler, path);
        auto [reader, writer] = co_await aio::open_unix_connection(path);
        writer.write("over unix\n");
        EXPECT_EQ((co_await reader.readline()).str(), "over unix\n");
        writer.close();
        co_await writer.wait_closed();
        server.close();
        co_await server.wait_closed();
        std::filesystem::remove_all(dir);
    });
}

// drain() waits while the transport is over its high-water mark, and the
// reader pauses its transport when more than 2 * limit is buffered.
Task<void> slow_consumer(aio::StreamReader reader, aio::StreamWriter writer, std::size_t* total) {
    while (true) {
        EXPECT_LE(reader.buffered(), 2 * reader.limit() + 64 * 1024);  // paused, so bounded
        co_await sleep(200us);
        Bytes b = co_await reader.read(4096);
        if (b.size() == 0) break;
        *total += b.size();
    }
    writer.close();
}

TEST(Streams, DrainHonoursTheWaterMarks) {
    const std::size_t amount =
        std::max<std::size_t>(1 << 20, static_cast<std::size_t>(16.0 * (1 << 20) * test_scale()));
    coronet::run([&]() -> Task<void> {
        std::size_t received = 0;
        aio::ClientConnectedCallback handler = [&](aio::StreamReader r,
                                                   aio::StreamWriter w) -> Task<void> {
            return slow_consumer(std::move(r), std::move(w), &received);
        };
        aio::StreamOptions so{};
        so.limit = 16 * 1024;
        aio::Server server = co_await aio::start_server(handler, "127.0.0.1", 0, so);
        auto [reader, writer] =
            co_await aio::open_connection("127.0.0.1", server.addresses()[0].port());
        writer.transport().set_write_buffer_limits(64 * 1024, 16 * 1024);
        std::string chunk(32 * 1024, 'd');
        std::size_t max_buffered = 0;
        for (std::size_t sent = 0; sent < amount; sent += chunk.size()) {
            writer.write(chunk);
            max_buffered = std::max(max_buffered, writer.transport().get_write_buffer_size());
            co_await writer.drain();
            EXPECT_LE(writer.transport().get_write_buffer_size(), 64u * 1024);
        }
        EXPECT_LE(max_buffered, 64u * 1024 + chunk.size());
        writer.write_eof();
        EXPECT_EQ((co_await reader.read()).str(), "");
        EXPECT_EQ(received, (amount + chunk.size() - 1) / chunk.size() * chunk.size());
        writer.close();
        co_await writer.wait_closed();
        server.close();
        co_await server.wait_closed();
    });
}

TEST(Streams, BadInputIsAClearError) {
    coronet::run([&]() -> Task<void> {
        aio::StreamOptions bad{};
        bad.limit = 0;
        EXPECT_THROW(co_await aio::open_connection("127.0.0.1", 1, bad), std::invalid_argument);
        EXPECT_THROW(co_await aio::start_server(echo_handler, "127.0.0.1", 0, bad),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::start_server(aio::ClientConnectedCallback{}, "127.0.0.1", 0),
                     std::invalid_argument);
    });
}

}  // namespace
