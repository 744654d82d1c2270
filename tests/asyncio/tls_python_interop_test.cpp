// TLS interop with python3's own asyncio and ssl modules (stdlib only) as the
// peer: a Python client against our TLS server, and our clients (protocol and
// streams) against a Python TLS server. The certificates are made at run time.
#include <gtest/gtest.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/asyncio/streams.hpp>
#include <filesystem>
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

const char* kTlsServer = R"(
import asyncio, os, ssl, sys
class Upper(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
    def data_received(self, data):
        self.t.write(data.upper())
async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upper, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, sys.argv[1])
    await asyncio.sleep(20)  # killed by the test when it is done
asyncio.run(main())
)";

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

TEST(TLSPythonInterop, PythonSslClientAgainstOurTlsServer) {
    ASSERT_EQ(::access(kPython, X_OK), 0) << "python3 missing (scripts/test.sh installs it)";
    coronet::run([&]() -> Task<void> {
        auto ctx = tls_server_context();
        aio::ServerOptions so;
        so.ssl = ctx;
        auto factory = [] { return std::make_unique<Upper>(); };
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
    const auto port_file = std::filesystem::temp_directory_path() /
                           ("coronet-aio-tls-py-" + std::to_string(::getpid()));
    std::filesystem::remove(port_file);
    PythonPeer peer(kTlsServer, {port_file.string(), tls_test::certs().server.cert,
                                 tls_test::certs().server.key});
    coronet::run([&]() -> Task<void> {
        co_await wait_until([&] { return std::filesystem::exists(port_file); }, "python's port");
        int port = 0;
        std::ifstream(port_file) >> port;
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
    std::filesystem::remove(port_file);
}

}  // namespace
