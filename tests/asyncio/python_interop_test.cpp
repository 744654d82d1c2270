// Interop with python3's own asyncio as the peer over TCP: a Python asyncio
// client against a coronet Protocol server, and a coronet client (protocol
// and streams) against a Python asyncio server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/asyncio/streams.hpp>
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

TEST(PythonInterop, PythonAsyncioClientAgainstOurProtocolServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    coronet::run([&]() -> Task<void> {
        auto factory = [] { return std::make_unique<UpperProtocol>(); };
        aio::Server server = co_await aio::create_server(factory, "127.0.0.1", 0);
        PythonPeer peer(kAsyncioClient, {std::to_string(server.addresses()[0].port())});
        EXPECT_EQ(co_await peer.wait(), 0);
        server.close();
        co_await server.wait_closed();
    });
}

TEST(PythonInterop, OurClientsAgainstAPythonAsyncioServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    PythonUpperServer python;
    coronet::run([&]() -> Task<void> {
        const int port = co_await python.port();
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
}

}  // namespace
