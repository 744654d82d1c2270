// TLS interop with python3's own asyncio and ssl modules (stdlib only) as the
// peer: a Python client against our TLS server, and our clients (protocol and
// streams) against a Python TLS server. The certificates are made at run time.
#include <gtest/gtest.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/asyncio/streams.hpp>
#include <fstream>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/python_peer.hpp"
#include "asyncio/tls_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

const char* kTlsClient = R"(
import asyncio, ssl, sys
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", int(sys.argv[1]), ssl=ctx, server_hostname="localhost")
    writer.write(b"hello from python ssl\n")
    line = await reader.readline()
    ok = line == b"HELLO FROM PYTHON SSL\n"
    ok = ok and writer.get_extra_info("peercert")["subject"][-1][0][1] == "localhost"
    writer.close()
    await writer.wait_closed()
    return ok
sys.exit(0 if asyncio.run(asyncio.wait_for(main(), 20)) else 1)
)";

TEST(TLSPythonInterop, PythonSslClientAgainstOurTlsServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    coronet::run([&]() -> Task<void> {
        auto ctx = tls_server_context();
        aio::ServerOptions so;
        so.ssl = ctx;
        auto factory = [] { return std::make_unique<UpperProtocol>(); };
        aio::Server server = co_await aio::create_server(factory, "127.0.0.1", 0, so);
        PythonPeer peer(kTlsClient,
                        {std::to_string(server.addresses()[0].port()), tls_test::certs().ca});
        EXPECT_EQ(co_await peer.wait(), 0);
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSPythonInterop, OurTlsClientsAgainstAPythonSslServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    PythonUpperServer python({tls_test::certs().server.cert, tls_test::certs().server.key});
    coronet::run([&]() -> Task<void> {
        const int port = co_await python.port();
        CO_ASSERT(port > 0);
        auto ctx = tls_client_context();
        aio::ConnectionOptions o;
        o.ssl = ctx;
        o.server_hostname = "localhost";
        // With a protocol.
        RecorderFactory f;
        aio::Connection c = co_await aio::create_connection(f.factory(), "127.0.0.1", port, o);
        c.transport->write("via protocol");
        co_await wait_until([&] { return f.made[0]->data == "VIA PROTOCOL"; }, "reply");
        c.transport->close();
        co_await wait_until([&] { return f.made[0]->lost; });
        EXPECT_EQ(joined(f.made[0]->events), "made data lost:ok");
        // With streams.
        auto [reader, writer] = co_await aio::open_connection("127.0.0.1", port, {}, o);
        writer.write("via streams\n");
        EXPECT_EQ((co_await reader.readline()).str(), "VIA STREAMS\n");
        EXPECT_EQ(std::any_cast<std::string>(writer.get_extra_info("tls_version")), "TLSv1.3");
        writer.close();
        co_await writer.wait_closed();
    });
}

}  // namespace
