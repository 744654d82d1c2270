// The stream transport: callback order per transport kind (TCP, UNIX,
// socketpair), half-close, pause_reading, BufferedProtocol, writelines,
// write_eof, abort, extra info, set_protocol, bad input.
#include <gtest/gtest.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/net/socket.hpp>

#include "asyncio/asyncio_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

// A server on 127.0.0.1 and a client; the client writes `message` and EOF.
// Returns the server's and the client's records once both are lost.
TEST(StreamTransport, CallbackOrderTcp) {
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        const int port = server.addresses().at(0).port();
        RecorderFactory client_side;
        aio::Connection c =
            co_await aio::create_connection(client_side.factory(), "127.0.0.1", port);
        auto rec = client_side.made.at(0);
        EXPECT_EQ(joined(rec->events), "made");  // connection_made before the call returns
        c.transport->write("hello ");
        c.transport->write("world");
        c.transport->write_eof();
        co_await wait_until([&] { return rec->lost; }, "client lost");
        co_await wait_until([&] { return !server_side.made.empty() && server_side.made[0]->lost; });
        EXPECT_EQ(joined(server_side.made.at(0)->events), "made data eof lost:ok");
        EXPECT_EQ(server_side.made.at(0)->data, "hello world");
        EXPECT_EQ(joined(rec->events), "made eof lost:ok");
        EXPECT_TRUE(c.transport->is_closing());
        server.close();
        co_await server.wait_closed();
    });
}

TEST(StreamTransport, CallbackOrderUnix) {
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        auto address =
            net::SocketAddress::unix_abstract("coronet-asyncio-" + std::to_string(::getpid()));
        aio::Server server = co_await aio::create_unix_server(server_side.factory(), address);
        RecorderFactory client_side;
        aio::Connection c = co_await aio::create_unix_connection(client_side.factory(), address);
        c.transport->write("over unix");
        c.transport->close();  // flushes, then connection_lost
        co_await wait_until([&] { return client_side.made[0]->lost; });
        co_await wait_until([&] { return !server_side.made.empty() && server_side.made[0]->lost; });
        EXPECT_EQ(joined(client_side.made[0]->events), "made lost:ok");
        EXPECT_EQ(joined(server_side.made[0]->events), "made data eof lost:ok");
        EXPECT_EQ(server_side.made[0]->data, "over unix");
        server.close();
        co_await server.wait_closed();
    });
}

TEST(StreamTransport, CallbackOrderSocketpairAndAcceptedSocket) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::connect_accepted_socket(fb.factory(), std::move(b));
        ca.transport->write("ping");
        co_await wait_until([&] { return fb.made[0]->data == "ping"; });
        cb.transport->write("pong");
        cb.transport->write_eof();
        co_await wait_until([&] { return fa.made[0]->lost; });
        EXPECT_EQ(joined(fa.made[0]->events), "made data eof lost:ok");
        EXPECT_EQ(fa.made[0]->data, "pong");
        co_await wait_until([&] { return fb.made[0]->lost; });
        EXPECT_EQ(joined(fb.made[0]->events), "made data eof lost:ok");
    });
}

// eof_received returning true keeps the transport half-open: the protocol
// still writes its answer after the peer's EOF.
TEST(StreamTransport, HalfCloseKeepsTransportOpen) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        fb.configure = [](Recorder& r) {
            r.keep_open_on_eof = true;
            r.on_eof = [](Recorder& self) {
                self.rec->transport->write("reply to " + self.rec->data);
                self.rec->transport->close();
            };
        };
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        EXPECT_TRUE(ca.transport->can_write_eof());
        ca.transport->write("question");
        ca.transport->write_eof();
        co_await wait_until([&] { return fa.made[0]->lost && fb.made[0]->lost; });
        EXPECT_EQ(fa.made[0]->data, "reply to question");
        EXPECT_EQ(joined(fa.made[0]->events), "made data eof lost:ok");
        EXPECT_EQ(joined(fb.made[0]->events), "made data eof lost:ok");
    });
}

TEST(StreamTransport, PauseReadingStopsDataReceived) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        EXPECT_TRUE(cb.transport->is_reading());
        cb.transport->pause_reading();
        cb.transport->pause_reading();  // idempotent
        EXPECT_FALSE(cb.transport->is_reading());
        ca.transport->write("while paused");
        // Give the reader many loop turns to (wrongly) deliver.
        for (int i = 0; i < 50; ++i)
            co_await sleep(1ms);
        EXPECT_EQ(fb.made[0]->data, "");
        cb.transport->resume_reading();
        cb.transport->resume_reading();  // idempotent
        EXPECT_TRUE(cb.transport->is_reading());
        co_await wait_until([&] { return fb.made[0]->data == "while paused"; });
        ca.transport->close();
        co_await wait_until([&] { return fa.made[0]->lost && fb.made[0]->lost; });
        EXPECT_EQ(joined(fb.made[0]->events), "made data eof lost:ok");
        // On a closed transport both are no-ops.
        cb.transport->pause_reading();
        cb.transport->resume_reading();
        EXPECT_FALSE(cb.transport->is_reading());
    });
}

// Receives into a buffer the protocol owns; the transport copies nothing.
struct IntoBuffer : aio::BufferedProtocol {
    std::vector<std::byte> storage = std::vector<std::byte>(7);
    std::string received;
    std::vector<std::size_t> hints;
    bool lost = false;
    bool eof = false;
    std::span<std::byte> get_buffer(std::size_t sizehint) override {
        hints.push_back(sizehint);
        return storage;
    }
    void buffer_updated(std::size_t n) override {
        received.append(reinterpret_cast<const char*>(storage.data()), n);
    }
    bool eof_received() override {
        eof = true;
        return false;
    }
    void connection_lost(std::exception_ptr) override { lost = true; }
};

TEST(StreamTransport, BufferedProtocolReceivesIntoItsBuffer) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa;
        IntoBuffer* p = nullptr;
        auto make = [&p]() -> std::unique_ptr<aio::BaseProtocol> {
            auto u = std::make_unique<IntoBuffer>();
            p = u.get();
            return u;
        };
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(make, std::move(b));
        ca.transport->write("0123456789abcdefghij");  // more than the 7-byte buffer
        ca.transport->write_eof();
        co_await wait_until([&] { return p->lost; });
        EXPECT_EQ(p->received, "0123456789abcdefghij");
        EXPECT_TRUE(p->eof);
        CO_ASSERT(!(p->hints.empty()));
        EXPECT_GT(p->hints[0], 0u);
        co_await wait_until([&] { return fa.made[0]->lost; });
    });
}

TEST(StreamTransport, WritelinesGathersPieces) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        std::vector<std::string> lines;
        std::string expected;
        for (int i = 0; i < 200; ++i) {  // more pieces than one iovec batch
            lines.push_back("line " + std::to_string(i) + "\n");
            expected += lines.back();
        }
        lines.push_back("");  // empty pieces are skipped
        std::vector<BytesView> views(lines.begin(), lines.end());
        ca.transport->writelines(views);
        ca.transport->writelines(views);  // again, possibly behind buffered data
        ca.transport->close();
        co_await wait_until([&] { return fb.made[0]->lost; });
        EXPECT_EQ(fb.made[0]->data, expected + expected);
    });
}

// Replies of every size around the coalescing limit, some written alone and
// drained before the next (so a sent chunk is reused), some back to back
// (coalesced), some large: every byte arrives, in order.
TEST(StreamTransport, WritesOfChangingSizesArriveWholeAndInOrder) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        const std::size_t sizes[] = {1, 3000, 64, 4095, 2, 4096, 700, 10000, 5, 4097, 63};
        std::string expected;
        for (int i = 0; i < 220; ++i) {
            const std::size_t size = sizes[static_cast<std::size_t>(i) % std::size(sizes)];
            std::string piece(size, static_cast<char>('a' + i % 26));
            piece.front() = static_cast<char>('0' + i % 10);  // a misplaced piece shows
            ca.transport->write(piece);
            expected += piece;
            if (i % 3 == 0) {
                co_await wait_until([&] { return ca.transport->get_write_buffer_size() == 0; },
                                    "the write buffer drained");
            }
        }
        ca.transport->close();
        co_await wait_until([&] { return fb.made[0]->lost; });
        EXPECT_EQ(fb.made[0]->data.size(), expected.size());
        EXPECT_TRUE(fb.made[0]->data == expected);
        EXPECT_EQ(joined(fb.made[0]->events).substr(0, 4), "made");
    });
}

TEST(StreamTransport, AbortDropsBufferedData) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        cb.transport->pause_reading();
        std::string big(1 << 20, 'x');
        ca.transport->write(big);  // fills the socket; the rest is buffered
        EXPECT_GT(ca.transport->get_write_buffer_size(), 0u);
        ca.transport->abort();
        EXPECT_TRUE(ca.transport->is_closing());
        EXPECT_EQ(ca.transport->get_write_buffer_size(), 0u);
        co_await wait_until([&] { return fa.made[0]->lost; });
        EXPECT_EQ(joined(fa.made[0]->events), "made pause lost:ok");
        cb.transport->close();
        co_await wait_until([&] { return fb.made[0]->lost; });
    });
}

TEST(StreamTransport, ExtraInfo) {
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        const auto server_address = server.addresses().at(0);
        RecorderFactory f;
        aio::Connection c =
            co_await aio::create_connection(f.factory(), "127.0.0.1", server_address.port());
        auto peer = c.transport->extra_info<net::SocketAddress>("peername");
        CO_ASSERT(peer.has_value());
        EXPECT_EQ(*peer, server_address);
        auto local = c.transport->extra_info<net::SocketAddress>("sockname");
        CO_ASSERT(local.has_value());
        EXPECT_EQ(local->host(), "127.0.0.1");
        auto sock = c.transport->extra_info<net::Socket*>("socket");
        CO_ASSERT(sock.has_value());
        EXPECT_EQ((*sock)->getpeername(), server_address);
        EXPECT_EQ(std::any_cast<int>(c.transport->get_extra_info("no such key", 42)), 42);
        EXPECT_FALSE(c.transport->get_extra_info("no such key").has_value());
        c.transport->close();
        co_await wait_until([&] { return f.made[0]->lost; });
        // Addresses survive close (as asyncio caches them); the socket does not.
        EXPECT_TRUE(c.transport->extra_info<net::SocketAddress>("peername").has_value());
        EXPECT_FALSE(c.transport->extra_info<net::Socket*>("socket").has_value());
        server.close();
        co_await server.wait_closed();
    });
}

TEST(StreamTransport, SetProtocolSwitchesTheReceiver) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        EXPECT_EQ(&cb.transport->get_protocol(), cb.protocol);
        auto second = std::make_unique<Recorder>();
        auto rec2 = second->rec;
        Recorder* raw = second.get();
        cb.transport->set_protocol(std::move(second));
        EXPECT_EQ(&cb.transport->get_protocol(), raw);
        EXPECT_THROW(cb.transport->set_protocol(nullptr), std::invalid_argument);
        EXPECT_THROW(cb.transport->set_protocol(std::make_unique<aio::DatagramProtocol>()),
                     std::invalid_argument);
        ca.transport->write("to the new one");
        ca.transport->close();
        co_await wait_until([&] { return rec2->lost; });
        EXPECT_EQ(rec2->data, "to the new one");
        EXPECT_EQ(joined(rec2->events), "data eof lost:ok");  // no connection_made
        EXPECT_EQ(joined(fb.made[0]->events), "made");
    });
}

// A protocol may hand the connection over from inside its own callback (the
// old one is kept alive by the transport); later bytes go to the new one.
TEST(StreamTransport, SetProtocolFromInsideACallbackToABufferedProtocol) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        IntoBuffer* next = nullptr;
        fb.configure = [&next](Recorder& r) {
            r.on_data = [&next](Recorder& self, BytesView) {
                auto p = std::make_unique<IntoBuffer>();
                next = p.get();
                self.rec->transport->set_protocol(std::move(p));  // destroys nothing yet
            };
        };
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        ca.transport->write("first");
        co_await wait_until([&] { return next != nullptr; });
        EXPECT_EQ(fb.made[0]->data, "first");
        ca.transport->write("then the rest");
        ca.transport->close();
        co_await wait_until([&] { return next->lost; });
        EXPECT_EQ(next->received, "then the rest");
        EXPECT_TRUE(next->eof);
        EXPECT_EQ(&cb.transport->get_protocol(), next);
    });
}

TEST(StreamTransport, WriteAfterCloseGoesToTheExceptionHandler) {
    coronet::run([&]() -> Task<void> {
        ReportedErrors reported;
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        ca.transport->close();
        ca.transport->write("dropped");
        std::vector<BytesView> pieces{BytesView("x")};
        ca.transport->writelines(pieces);
        CO_ASSERT(reported.messages.size() == 2u);
        EXPECT_NE(reported.messages[0].find("write() on a closing transport"), std::string::npos);
        EXPECT_NE(reported.messages[0].find("ClosedResourceError"), std::string::npos);
        co_await wait_until([&] { return fa.made[0]->lost && fb.made[0]->lost; });
        EXPECT_EQ(fb.made[0]->data, "");
    });
}

TEST(StreamTransport, WriteAfterWriteEofIsAnError) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        ca.transport->write_eof();
        ca.transport->write_eof();  // idempotent
        try {
            ca.transport->write("late");
            ADD_FAILURE() << "write after write_eof did not throw";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find("after write_eof"), std::string::npos);
        }
        co_await wait_until([&] { return fb.made[0]->lost; });
        ca.transport->close();
        co_await wait_until([&] { return fa.made[0]->lost; });
    });
}

TEST(StreamTransport, BadArgumentsAreClearErrors) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory f;
        net::Socket udp = net::socket(AF_INET, SOCK_DGRAM);
        EXPECT_THROW(co_await aio::create_connection(f.factory(), std::move(udp)),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::create_connection(f.factory(), net::Socket{}),
                     std::invalid_argument);
        auto [a, b] = net::socketpair();
        EXPECT_THROW(co_await aio::create_connection(aio::ProtocolFactory{}, std::move(a)),
                     std::invalid_argument);
        auto null_factory = []() -> std::unique_ptr<aio::BaseProtocol> { return nullptr; };
        EXPECT_THROW(co_await aio::create_connection(null_factory, std::move(b)),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::create_connection(f.factory(), "127.0.0.1", 70000),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::create_unix_connection(f.factory(),
                                                          net::SocketAddress::ipv4("127.0.0.1", 1)),
                     std::invalid_argument);
        EXPECT_TRUE(f.made.empty());
    });
}

}  // namespace
