// Interop with python3's own asyncio as the peer over TCP: a Python asyncio
// client against a coronet Protocol server, and a coronet client (protocol
// and streams) against a Python asyncio server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/asyncio/streams.hpp>
#include <filesystem>
#include <fstream>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/python_peer.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

const char* kAsyncioClient = R"(
import asyncio, sys
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[1]))
    writer.write(b"hello from python asyncio")
    writer.write_eof()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return data == b"HELLO FROM PYTHON ASYNCIO"
sys.exit(0 if asyncio.run(asyncio.wait_for(main(), 20)) else 1)
)";

const char* kAsyncioServer = R"(
import asyncio, os, sys
class Upper(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
    def data_received(self, data):
        self.t.write(data.upper())
    def eof_received(self):
        self.t.close()
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upper, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, sys.argv[1])
    await asyncio.sleep(20)  # killed by the test when it is done
asyncio.run(main())
)";

// Upper-cases what it receives; closes at EOF.
struct Upper : aio::Protocol {
    aio::Transport* t = nullptr;
    void connection_made(aio::BaseTransport& tr) override {
        t = &dynamic_cast<aio::Transport&>(tr);
    }
    void data_received(BytesView d) override {
        std::string s(d.str());
        for (char& c : s)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        t->write(s);
    }
};

TEST(PythonInterop, PythonAsyncioClientAgainstOurProtocolServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    coronet::run([&]() -> Task<void> {
        auto factory = [] { return std::make_unique<Upper>(); };
        aio::Server server = co_await aio::create_server(factory, "127.0.0.1", 0);
        PythonPeer peer(kAsyncioClient, {std::to_string(server.addresses()[0].port())});
        EXPECT_EQ(co_await peer.wait(), 0);
        server.close();
        co_await server.wait_closed();
    });
}

TEST(PythonInterop, OurClientsAgainstAPythonAsyncioServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    const auto port_file =
        std::filesystem::temp_directory_path() / ("coronet-aio-py-" + std::to_string(::getpid()));
    std::filesystem::remove(port_file);
    PythonPeer peer(kAsyncioServer, {port_file.string()});
    coronet::run([&]() -> Task<void> {
        co_await wait_until([&] { return std::filesystem::exists(port_file); }, "python's port");
        int port = 0;
        std::ifstream(port_file) >> port;
        CO_ASSERT(port > 0);
        // With a protocol.
        RecorderFactory f;
        aio::Connection c = co_await aio::create_connection(f.factory(), "127.0.0.1", port);
        c.transport->write("via protocol");
        c.transport->write_eof();
        co_await wait_until([&] { return f.made[0]->lost; });
        EXPECT_EQ(f.made[0]->data, "VIA PROTOCOL");
        EXPECT_EQ(joined(f.made[0]->events), "made data eof lost:ok");
        // With streams.
        auto [reader, writer] = co_await aio::open_connection("127.0.0.1", port);
        writer.write("via streams\n");
        EXPECT_EQ((co_await reader.readline()).str(), "VIA STREAMS\n");
        writer.write_eof();
        EXPECT_EQ((co_await reader.read()).str(), "");
        writer.close();
        co_await writer.wait_closed();
    });
    std::filesystem::remove(port_file);
}

}  // namespace
