// `coronet listen --echo` against other programs (socat, OpenBSD nc, a
// python3 client), and `coronet relay` carrying a large transfer intact.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

constexpr const char* kPythonClient = R"(
import socket, sys
family = socket.AF_UNIX if sys.argv[1] == 'unix' else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.connect(sys.argv[2] if family == socket.AF_UNIX else ('127.0.0.1', int(sys.argv[2])))
s.sendall(b'python says hi\n')
s.shutdown(socket.SHUT_WR)
data = b''
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
)";

TEST(CliPeers, ListenEchoServesSocatNcAndPythonOverTcp) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--echo", "--max-conns", "3"});
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    const std::string p = std::to_string(port);
    write_file(dir.path("in"), "socat says hi\n");
    Child socat(dir, {"-", "TCP:127.0.0.1:" + p}, {.stdin_file = dir.path("in")}, "socat");
    EXPECT_EQ(socat.wait(), 0) << socat.err();
    EXPECT_EQ(socat.out(), "socat says hi\n");

    write_file(dir.path("in2"), "nc says hi\n");
    // -N: shut down the sending side at stdin's end (the half-close).
    Child nc(dir, {"-N", "127.0.0.1", p}, {.stdin_file = dir.path("in2")}, "nc");
    EXPECT_EQ(nc.wait(), 0) << nc.err();
    EXPECT_EQ(nc.out(), "nc says hi\n");

    Child python(dir, {"-c", kPythonClient, "tcp", p}, {}, "python3");
    EXPECT_EQ(python.wait(), 0) << python.err();
    EXPECT_EQ(python.out(), "python says hi\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

TEST(CliPeers, ListenEchoServesSocatAndPythonOverUnix) {
    ScratchDir dir;
    const std::string path = dir.path("echo.sock");
    Child listener(dir, {"listen", "-v", "unix:" + path, "--echo", "--max-conns", "2"});
    ASSERT_TRUE(listener.wait_for_err("listening on")) << listener.err();
    write_file(dir.path("in"), "socat over unix\n");
    Child socat(dir, {"-", "UNIX-CONNECT:" + path}, {.stdin_file = dir.path("in")}, "socat");
    EXPECT_EQ(socat.wait(), 0) << socat.err();
    EXPECT_EQ(socat.out(), "socat over unix\n");
    Child python(dir, {"-c", kPythonClient, "unix", path}, {}, "python3");
    EXPECT_EQ(python.wait(), 0) << python.err();
    EXPECT_EQ(python.out(), "python says hi\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

TEST(CliPeers, ConnectTalksToASocatListener) {
    ScratchDir dir;
    const std::string path = dir.path("socat.sock");
    write_file(dir.path("reply"), "socat answers\n");
    Child socat(dir, {"UNIX-LISTEN:" + path, "OPEN:" + dir.path("reply") + ",rdonly"}, {}, "socat");
    // socat creates the socket file when it listens.
    const auto deadline = std::chrono::steady_clock::now() + kHangLimit;
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // It binds before it listens: an attempt in between is refused, so retry
    // (a bounded number of times) on exactly that.
    RunResult client = run_cli(dir, {"connect", "unix:" + path});
    for (int attempt = 0; attempt < 100 && client.err.find("refused") != std::string::npos;
         ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        client = run_cli(dir, {"connect", "unix:" + path});
    }
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out, "socat answers\n");
    EXPECT_EQ(socat.wait(), 0) << socat.err();
}

// A large transfer: connect (UNIX) -> relay -> listen --echo (TCP) and back,
// compared byte for byte (64 MiB x CORONET_TEST_SCALE each way).
TEST(CliPeers, RelayCarriesALargeTransferBothWays) {
    ScratchDir dir;
    const std::size_t size = scaled(64u << 20);
    std::string data(size, '\0');
    std::mt19937_64 random(42);
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const std::uint64_t word = random();
        std::memcpy(data.data() + i, &word, 8);
    }
    write_file(dir.path("big"), data);

    Child echo(dir, {"listen", "tcp://127.0.0.1:0", "--echo", "--keep-open"});
    const int port = echo.listening_port();
    ASSERT_GT(port, 0) << echo.err();
    const std::string relay_path = dir.path("relay.sock");
    Child relay(dir, {"relay", "-v", "unix:" + relay_path,
                      "tcp://127.0.0.1:" + std::to_string(port), "--max-conns", "1"});
    ASSERT_TRUE(relay.wait_for_err("listening on")) << relay.err();

    RunResult client = run_cli(dir, {"connect", "unix:" + relay_path}, dir.path("big"));
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out.size(), data.size());
    EXPECT_TRUE(client.out == data) << "the echoed bytes differ from the bytes sent";
    EXPECT_EQ(relay.wait(), 0) << relay.err();
    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130) << echo.err();
    EXPECT_EQ(echo.err().find("error"), std::string::npos) << echo.err();
}

// A relay whose target refuses reports that connection and goes on.
TEST(CliPeers, RelayReportsAnUnreachableTarget) {
    ScratchDir dir;
    const std::string relay_path = dir.path("relay.sock");
    Child relay(dir, {"relay", "-v", "unix:" + relay_path, "unix:" + dir.path("nobody.sock"),
                      "--max-conns", "1"});
    ASSERT_TRUE(relay.wait_for_err("listening on")) << relay.err();
    RunResult client = run_cli(dir, {"connect", "unix:" + relay_path});
    EXPECT_EQ(client.code, 0) << client.err;  // the relay closed it: an empty stream
    EXPECT_EQ(client.out, "");
    EXPECT_EQ(relay.wait(), 1);
    EXPECT_NE(relay.err().find("nobody.sock"), std::string::npos) << relay.err();
}

}  // namespace
}  // namespace coronet::tools_test
