// asyncio::sendfile: a multi-MiB file arrives intact through a socket
// transport (zero-copy path) and through a pipe transport (read+write
// fallback); offset/count; bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/pipes.hpp>
#include <coronet/asyncio/sendfile.hpp>
#include <coronet/asyncio/server.hpp>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/tls_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

// An unlinked temporary file holding a recognisable pattern.
struct TempFile {
    int fd = -1;
    std::string content;
    explicit TempFile(std::size_t size) {
        char path[] = "/tmp/coronet-sendfile-XXXXXX";
        fd = ::mkstemp(path);
        EXPECT_GE(fd, 0);
        ::unlink(path);
        content.resize(size);
        for (std::size_t i = 0; i < size; ++i)
            content[i] = char('a' + (i * 7 + i / 4096) % 26);
        EXPECT_EQ(::write(fd, content.data(), size), ssize_t(size));
    }
    ~TempFile() { ::close(fd); }
};

std::size_t file_size() {
    return std::size_t(std::max(1.0, 4 * test_scale()) * 1024 * 1024);
}

TEST(Sendfile, SocketTransportSendsTheFileIntact) {
    TempFile file(file_size());
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        const int port = server.addresses().at(0).port();
        RecorderFactory client_side;
        aio::Connection c =
            co_await aio::create_connection(client_side.factory(), "127.0.0.1", port);
        // A header written just before goes first (on io_uring it is still
        // queued when sendfile starts).
        c.transport->write("HDR:");
        const std::size_t sent = co_await aio::sendfile(*c.transport, file.fd);
        EXPECT_EQ(sent, file.content.size());
        // offset and count; the file's position is not used.
        const std::size_t part = co_await aio::sendfile(*c.transport, file.fd, 10, 5);
        EXPECT_EQ(part, 5u);
        // Past the end: fewer than asked.
        const std::size_t tail =
            co_await aio::sendfile(*c.transport, file.fd, file.content.size() - 3, 100);
        EXPECT_EQ(tail, 3u);
        c.transport->write_eof();
        co_await wait_until([&] { return !server_side.made.empty() && server_side.made[0]->eof; },
                            "server eof");
        std::string got = server_side.made.at(0)->data;
        EXPECT_EQ(got.size(), 4 + file.content.size() + 8);
        EXPECT_EQ(got.substr(0, 4), "HDR:");
        got.erase(0, 4);
        EXPECT_TRUE(got.substr(0, file.content.size()) == file.content);
        EXPECT_EQ(got.substr(file.content.size()),
                  file.content.substr(10, 5) + file.content.substr(file.content.size() - 3));
        c.transport->close();
        co_await wait_until([&] { return client_side.made[0]->lost; });
        server.close();
        co_await server.wait_closed();
    });
}

// Over TLS the file goes through the encryption, never raw to the socket
// under it: the peer decrypts the file intact, after what was written before.
TEST(Sendfile, TlsTransportEncryptsTheFile) {
    TempFile file(256 * 1024);
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        auto sctx = tls_server_context();  // the options only borrow the contexts
        auto cctx = tls_client_context();
        aio::ServerOptions so;
        so.ssl = sctx;
        auto sfactory = server_side.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0, so);
        const int port = server.addresses().at(0).port();
        aio::ConnectionOptions co;
        co.ssl = cctx;
        co.server_hostname = "localhost";
        RecorderFactory client_side;
        auto cfactory = client_side.factory();
        aio::Connection c = co_await aio::create_connection(cfactory, "127.0.0.1", port, co);
        c.transport->write("HDR:");
        const std::size_t sent = co_await aio::sendfile(*c.transport, file.fd);
        EXPECT_EQ(sent, file.content.size());
        c.transport->close();
        co_await wait_until([&] { return !server_side.made.empty() && server_side.made[0]->lost; },
                            "server lost");
        EXPECT_EQ(joined(server_side.made[0]->events), "made data eof lost:ok");
        const std::string& got = server_side.made[0]->data;
        EXPECT_EQ(got.size(), 4 + file.content.size());
        EXPECT_TRUE(got == "HDR:" + file.content);
        server.close();
        co_await server.wait_closed();
    });
}

struct Sink : aio::Protocol {
    std::string data;
    bool lost = false;
    void data_received(BytesView d) override { data.append(d.str()); }
    void connection_lost(std::exception_ptr) override { lost = true; }
};

TEST(Sendfile, PipeTransportFallsBackToReadAndWrite) {
    TempFile file(file_size());
    coronet::run([&]() -> Task<void> {
        int fds[2];
        CO_ASSERT(::pipe2(fds, O_CLOEXEC) == 0);
        Sink* sink = nullptr;
        auto rf = [&sink] {
            auto s = std::make_unique<Sink>();
            sink = s.get();
            return s;
        };
        auto wf = [] { return std::make_unique<aio::Protocol>(); };
        aio::ReadPipeConnection r = co_await aio::connect_read_pipe(rf, fds[0]);
        aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, fds[1]);
        const std::size_t sent = co_await aio::sendfile(*w.transport, file.fd, 1);
        EXPECT_EQ(sent, file.content.size() - 1);
        w.transport->close();
        co_await wait_until([&] { return sink->lost; }, "reader lost");
        EXPECT_TRUE(sink->data == file.content.substr(1));
        r.transport->close();
    });
}

TEST(Sendfile, BadInputIsAClearError) {
    TempFile file(16);
    coronet::run([&]() -> Task<void> {
        int fds[2];
        CO_ASSERT(::pipe2(fds, O_CLOEXEC) == 0);
        auto wf = [] { return std::make_unique<aio::Protocol>(); };
        aio::WritePipeConnection w = co_await aio::connect_write_pipe(wf, fds[1]);
        EXPECT_THROW(co_await aio::sendfile(*w.transport, -1), OSError);
        EXPECT_EQ(co_await aio::sendfile(*w.transport, file.fd, 0, 0), 0u);
        w.transport->close();
        EXPECT_THROW(co_await aio::sendfile(*w.transport, file.fd), ClosedResourceError);
        co_await sleep(1ms);
        ::close(fds[0]);
    });
}

}  // namespace
