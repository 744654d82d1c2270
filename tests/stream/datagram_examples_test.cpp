// The datagram example programs (examples/udp_hello, udp_send,
// unix_dgram_hello, unix_dgram_send) run as processes: against each other,
// against this test's own sockets, and the servers against a Python peer
// (/usr/bin/python3, standard library only). Servers are killed at the end;
// every wait is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <coronet/stream/udp_socket.hpp>
#include <coronet/stream/unix_datagram_socket.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "support/example_process.hpp"

using namespace coronet;
using namespace example_process;
using namespace std::chrono_literals;

namespace {

// A UDP port that was free a moment ago.
int free_udp_port() {
    return run([]() -> Task<int> {
        UDPSocket probe = co_await create_udp_socket({.family = AF_INET});
        co_return probe.local_port();
    });
}

// Sends `probe` until the server answers it (bounded), returning the
// answer. Answers to earlier probes of this loop, late after their timeout,
// are skipped.
template <class Socket, class... To>
Task<std::string> ask(Socket& socket, std::string probe, To... to) {
    std::string expected = "Hello, ";
    expected += probe;
    for (int attempt = 0; attempt < 300; ++attempt) {
        co_await socket.sendto(probe, to...);
        if (auto reply = co_await move_on_after(100ms, socket.receive())) {
            if (reply->data.str() == expected) co_return expected;
        }
    }
    co_return "<no answer>";
}

}  // namespace

TEST(DatagramExamples, BadArgumentsAreUsageErrors) {
    TempDir dir;
    const std::string err = dir.path + "/stderr";
    const std::vector<std::pair<const char*, std::vector<std::string>>> cases = {
        {"udp_hello", {}},
        {"udp_hello", {"port"}},
        {"udp_hello", {"70000"}},
        {"udp_hello", {"1", "2"}},
        {"udp_send", {"127.0.0.1", "1234"}},
        {"udp_send", {"127.0.0.1", "0", "m"}},
        {"udp_send", {"", "1234", "m"}},
        {"unix_dgram_hello", {}},
        {"unix_dgram_hello", {""}},
        {"unix_dgram_send", {"/tmp/x"}},
        {"unix_dgram_send", {"", "m"}},
    };
    for (const auto& [name, args] : cases) {
        Child child(example_path(name), args, err);
        EXPECT_EQ(child.wait(), 2) << name;
        const std::string text = child.stderr_text();
        EXPECT_EQ(text.rfind("usage: ", 0), 0u) << name << ": " << text;
        EXPECT_EQ(text.find('\n'), text.size() - 1) << name << ": not one line: " << text;
    }
}

TEST(DatagramExamples, UdpHelloAndUdpSend) {
    TempDir dir;
    const int port = free_udp_port();
    Child server(example_path("udp_hello"), {std::to_string(port)}, dir.path + "/server.err");
    run([&]() -> Task<void> {
        UDPSocket me = co_await create_udp_socket({.local_host = "127.0.0.1"});
        EXPECT_EQ(co_await ask(me, "coronet", "127.0.0.1", port), "Hello, coronet");

        // The client program against the server program: it sends and exits
        // cleanly; the server survives and keeps answering.
        Child client(example_path("udp_send"), {"127.0.0.1", std::to_string(port), "world"},
                     dir.path + "/client.err");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(co_await ask(me, "again", "127.0.0.1", port), "Hello, again");

        // The client program against this test's socket: exactly MESSAGE,
        // from a socket connected to us ("localhost" is accepted).
        Child to_me(example_path("udp_send"),
                    {"localhost", std::to_string(me.local_port()), "Hi there!\n"},
                    dir.path + "/to_me.err");
        auto packet = co_await fail_after(30s, me.receive());
        EXPECT_EQ(packet.data.str(), "Hi there!\n");
        EXPECT_EQ(packet.host, "127.0.0.1");
        EXPECT_EQ(to_me.wait(), 0) << to_me.stderr_text();
    });
    EXPECT_TRUE(server.running()) << server.stderr_text();
}

TEST(DatagramExamples, UnixDgramHelloAndUnixDgramSend) {
    TempDir dir;
    const std::string path = dir.path + "/hello.sock";
    Child server(example_path("unix_dgram_hello"), {path}, dir.path + "/server.err");
    wait_for_path(path, server);
    const std::string me_path = dir.path + "/me.sock";
    run([&]() -> Task<void> {
        UNIXDatagramSocket me = co_await create_unix_datagram_socket({.local_path = me_path});
        EXPECT_EQ(co_await ask(me, "coronet", path), "Hello, coronet");

        // The client's socket is unnamed, so the server cannot answer it; it
        // says so on stderr (that line is the proof it got the datagram) and
        // keeps serving.
        Child client(example_path("unix_dgram_send"), {path, "world"}, dir.path + "/client.err");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(co_await ask(me, "again", path), "Hello, again");
        EXPECT_EQ(first_line(server.stderr_text()),
                  "unix_dgram_hello: a datagram from an unnamed socket: no reply");

        // The client program against this test's socket: exactly MESSAGE.
        Child to_me(example_path("unix_dgram_send"), {me_path, "Hi there!\n"},
                    dir.path + "/to_me.err");
        auto packet = co_await fail_after(30s, me.receive());
        EXPECT_EQ(packet.data.str(), "Hi there!\n");
        EXPECT_EQ(packet.path, "");
        EXPECT_EQ(to_me.wait(), 0) << to_me.stderr_text();
    });
    EXPECT_TRUE(server.running()) << server.stderr_text();
    EXPECT_TRUE(std::filesystem::exists(path));  // still there, as in AnyIO
}

TEST(DatagramExamples, UnixDgramSendToNothingFails) {
    TempDir dir;
    Child client(example_path("unix_dgram_send"), {dir.path + "/none", "x"}, dir.path + "/err");
    EXPECT_EQ(client.wait(), 1);
    EXPECT_NE(client.stderr_text().find("No such file"), std::string::npos) << client.stderr_text();
}

const char* kPythonUdpClient = R"(
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto(b"Python \x00\xff", ("127.0.0.1", port))
data, addr = s.recvfrom(65536)
sys.exit(0 if data == b"Hello, Python \x00\xff" and addr == ("127.0.0.1", port) else 1)
)";

const char* kPythonUnixClient = R"(
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
s.settimeout(20)
s.sendto(b"Python \x00\xff", sys.argv[1])
data, addr = s.recvfrom(65536)
sys.exit(0 if data == b"Hello, Python \x00\xff" and addr == sys.argv[1] else 1)
)";

TEST(DatagramExamples, ServersAnswerAPythonPeer) {
    if (::access(kPython, X_OK) != 0)
        FAIL() << kPython << " not found (scripts/test.sh installs python3)";
    TempDir dir;
    const int port = free_udp_port();
    Child udp_server(example_path("udp_hello"), {std::to_string(port)}, dir.path + "/udp.err");
    const std::string path = dir.path + "/hello.sock";
    Child unix_server(example_path("unix_dgram_hello"), {path}, dir.path + "/unix.err");
    wait_for_path(path, unix_server);
    // Both servers are answering before Python talks to them.
    run([&]() -> Task<void> {
        UDPSocket me = co_await create_udp_socket({.local_host = "127.0.0.1"});
        EXPECT_EQ(co_await ask(me, "ready?", "127.0.0.1", port), "Hello, ready?");
    });

    Child udp_peer(kPython, {"-c", kPythonUdpClient, std::to_string(port)},
                   dir.path + "/py-udp.err");
    EXPECT_EQ(udp_peer.wait(), 0) << udp_peer.stderr_text();
    Child unix_peer(kPython, {"-c", kPythonUnixClient, path, dir.path + "/py.sock"},
                    dir.path + "/py-unix.err");
    EXPECT_EQ(unix_peer.wait(), 0) << unix_peer.stderr_text();
    EXPECT_TRUE(udp_server.running()) << udp_server.stderr_text();
    EXPECT_TRUE(unix_server.running()) << unix_server.stderr_text();
}
