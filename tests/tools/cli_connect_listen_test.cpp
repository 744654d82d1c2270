// `coronet connect` and `coronet listen` against each other, for every
// scheme: both directions arrive, stdin's end half-closes, both exit 0;
// datagram listeners end on SIGINT with what they received on stdout.
#include <gtest/gtest.h>
#include <signal.h>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

// Stream schemes: listen's stdin goes to connect's stdout and back.
void exchange_over_stream(const ScratchDir& dir, const std::string& listen_url,
                          const std::string& connect_url_prefix) {
    write_file(dir.path("to-connect"), "from the listener\n");
    write_file(dir.path("to-listen"), "from the connector\n");
    Child listener(dir, {"listen", "-v", listen_url}, {.stdin_file = dir.path("to-connect")});
    const int port = listener.listening_port();
    std::string url = connect_url_prefix;
    if (url.starts_with("tcp://")) {
        ASSERT_GT(port, 0) << listener.err();
        url += std::to_string(port);
    } else {
        ASSERT_TRUE(listener.wait_for_err("listening on")) << listener.err();
    }
    RunResult client = run_cli(dir, {"connect", url}, dir.path("to-listen"));
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out, "from the listener\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
    EXPECT_EQ(listener.out(), "from the connector\n");
}

TEST(CliConnectListen, Tcp) {
    ScratchDir dir;
    exchange_over_stream(dir, "tcp://127.0.0.1:0", "tcp://127.0.0.1:");
}

TEST(CliConnectListen, TcpIpv6Literal) {
    ScratchDir dir;
    exchange_over_stream(dir, "tcp://[::1]:0", "tcp://[::1]:");
}

TEST(CliConnectListen, UnixPath) {
    ScratchDir dir;
    const std::string url = "unix:" + dir.path("s.sock");
    exchange_over_stream(dir, url, url);
}

TEST(CliConnectListen, UnixAbstract) {
    ScratchDir dir;
    const std::string url = "unix:@coronet-cli-test-" + std::to_string(::getpid());
    exchange_over_stream(dir, url, url);
}

// Datagram schemes in stdio mode: a datagram from connect appears on
// listen's stdout; listen's stdin goes back to that sender; connect ends
// after its stdin and the --wait; listen ends on SIGINT (exit code 130)
// having flushed what it received.
void exchange_over_datagrams(const ScratchDir& dir, const std::string& listen_url,
                             const std::string& connect_url_prefix) {
    Child listener(dir, {"listen", "-v", listen_url}, {.stdin_pipe = true});
    const int port = listener.listening_port();
    std::string url = connect_url_prefix;
    if (url.starts_with("udp://")) {
        ASSERT_GT(port, 0) << listener.err();
        url += std::to_string(port);
    } else {
        ASSERT_TRUE(listener.wait_for_err("listening on")) << listener.err();
    }
    Child client(dir, {"connect", url, "--wait", "300ms"}, {.stdin_pipe = true});
    client.write_stdin("ping");
    ASSERT_TRUE(listener.wait_for_out("ping")) << listener.err();
    listener.write_stdin("pong");
    ASSERT_TRUE(client.wait_for_out("pong")) << client.err();
    client.close_stdin();
    EXPECT_EQ(client.wait(), 0) << client.err();
    EXPECT_EQ(client.out(), "pong");
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130) << listener.err();
    EXPECT_EQ(listener.out(), "ping");
}

TEST(CliConnectListen, Udp) {
    ScratchDir dir;
    exchange_over_datagrams(dir, "udp://127.0.0.1:0", "udp://127.0.0.1:");
}

TEST(CliConnectListen, UnixDatagram) {
    ScratchDir dir;
    const std::string url = "unix-dgram:" + dir.path("d.sock");
    exchange_over_datagrams(dir, url, url);
}

// The services, for each scheme: --hello answers like the reference, --echo
// sends back; --max-conns 1 makes the listener exit 0 after one.
TEST(CliConnectListen, HelloAndEchoServicesOnEveryScheme) {
    ScratchDir dir;
    write_file(dir.path("name"), "coronet\n");
    const std::vector<std::pair<std::string, std::string>> schemes = {
        {"tcp://127.0.0.1:0", "tcp://127.0.0.1:"},
        {"unix:" + dir.path("h.sock"), "unix:" + dir.path("h.sock")},
        {"udp://127.0.0.1:0", "udp://127.0.0.1:"},
        {"unix-dgram:" + dir.path("h.dgram"), "unix-dgram:" + dir.path("h.dgram")},
    };
    for (const auto& [listen_url, connect_url] : schemes) {
        for (const std::string service : {"--hello", "--echo"}) {
            SCOPED_TRACE(listen_url + " " + service);
            Child listener(dir, {"listen", "-v", listen_url, service, "--max-conns", "1"});
            ASSERT_TRUE(listener.wait_for_err("listening on")) << listener.err();
            std::string url = connect_url;
            if (url.ends_with(":")) {
                const int port = listener.listening_port();
                ASSERT_GT(port, 0) << listener.err();
                url += std::to_string(port);
            }
            RunResult client = run_cli(dir, {"connect", url, "--wait", "300ms"}, dir.path("name"));
            EXPECT_EQ(client.code, 0) << client.err;
            EXPECT_EQ(client.out, service == "--hello" ? "Hello, coronet\n" : "coronet\n");
            EXPECT_EQ(listener.wait(), 0) << listener.err();
        }
    }
}

// --keep-open serves one connection after another to stdio; SIGINT ends it.
TEST(CliConnectListen, KeepOpenServesSeveralConnections) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--keep-open"}, {.stdin_pipe = true});
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 3; ++i) {
        write_file(dir.path("in"), "client " + std::to_string(i) + "\n");
        RunResult client = run_cli(dir, {"connect", url}, dir.path("in"));
        EXPECT_EQ(client.code, 0) << client.err;
    }
    ASSERT_TRUE(listener.wait_for_out("client 2\n"));
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130);
    EXPECT_EQ(listener.out(), "client 0\nclient 1\nclient 2\n");
}

// Ctrl-C on connect: what arrived is on stdout, exit code 130, no core.
TEST(CliConnectListen, SigintEndsConnectAfterFlushing) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0"}, {.stdin_pipe = true});
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    Child client(dir, {"connect", "tcp://127.0.0.1:" + std::to_string(port)}, {.stdin_pipe = true});
    listener.write_stdin("partial answer");
    ASSERT_TRUE(client.wait_for_out("partial answer"));
    client.send_signal(SIGINT);
    EXPECT_EQ(client.wait(), 130);
    EXPECT_EQ(client.out(), "partial answer");
    listener.close_stdin();
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

}  // namespace
}  // namespace coronet::tools_test
