// Every bad input gets one line on stderr naming the problem and its exit
// code (2 usage, 1 network), never a crash or a hang.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

struct BadInput {
    std::vector<std::string> args;
    int code;
    std::string message;  // a part of the one line
};

void expect_one_line_error(const ScratchDir& dir, const BadInput& input) {
    std::string joined;
    for (const std::string& arg : input.args)
        joined += arg + " ";
    SCOPED_TRACE(joined);
    RunResult run = run_cli(dir, input.args);
    EXPECT_EQ(run.code, input.code) << run.err;
    EXPECT_NE(run.err.find(input.message), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.err.starts_with("coronet")) << run.err;
    EXPECT_EQ(run.out, "");
}

TEST(CliBadInput, UrlsAreCheckedBeforeAnythingHappens) {
    ScratchDir dir;
    const std::vector<BadInput> inputs = {
        {{"connect", "http://127.0.0.1:80"}, 2, "unknown scheme 'http'"},
        {{"connect", "127.0.0.1:80"}, 2, "unknown scheme '127.0.0.1'"},
        {{"connect", "localhost"}, 2, "no scheme in 'localhost'"},
        {{"connect", "tcp://127.0.0.1"}, 2, "missing port in 'tcp://127.0.0.1'"},
        {{"connect", "tcp://127.0.0.1:"}, 2, "missing port"},
        {{"connect", "udp://127.0.0.1:70000"},
         2,
         "port 70000 in 'udp://127.0.0.1:70000' is out of range"},
        {{"connect", "tcp://127.0.0.1:99999999999999999999"}, 2, "out of range"},
        {{"connect", "tcp://127.0.0.1:http"},
         2,
         "port 'http' in 'tcp://127.0.0.1:http' is not a number"},
        {{"connect", "tcp://:80"}, 2, "missing host in 'tcp://:80'"},
        {{"connect", "tcp://127.0.0.1:0"}, 2, "port 0"},
        {{"connect", "tcp://::1:80"}, 2, "needs brackets"},
        {{"connect", "tcp://[::1"}, 2, "unclosed '['"},
        {{"connect", "unix:"}, 2, "missing path in 'unix:'"},
        {{"listen", "unix-dgram:"}, 2, "missing path"},
        {{"listen", "tcp://127.0.0.1:65536"}, 2, "out of range"},
        {{"relay", "udp://127.0.0.1:1", "tcp://127.0.0.1:2"}, 2, "datagram URL"},
        {{"relay", "tcp://127.0.0.1:0", "tcp://127.0.0.1"}, 2, "missing port"},
        {{"bench", "unix-dgram:/x"}, 2, "datagram URL"},
        {{"bench", "tcp://127.0.0.1:1", "-s", "12q"}, 2, "--size '12q'"},
        {{"bench", "tcp://127.0.0.1:1", "-d", "soon"}, 2, "--duration 'soon'"},
        {{"bench", "tcp://127.0.0.1:1", "-c", "0"}, 2, "connections"},
    };
    for (const BadInput& input : inputs)
        expect_one_line_error(dir, input);
}

TEST(CliBadInput, TlsAndExecOptionMistakes) {
    ScratchDir dir;
    write_file(dir.path("not-pem"), "not a certificate\n");
    const std::vector<BadInput> inputs = {
        {{"listen", "tls://127.0.0.1:0"}, 2, "needs --cert FILE and --key FILE"},
        {{"listen", "tls://127.0.0.1:0", "--cert", dir.path("not-pem")},
         2,
         "needs --cert FILE and --key FILE"},
        {{"relay", "tls://127.0.0.1:0", "tcp://127.0.0.1:1"}, 2, "needs --cert FILE and --key"},
        {{"listen", "tls://127.0.0.1:0", "--cert", dir.path("missing.pem"), "--key",
          dir.path("missing.key")},
         2,
         "missing.pem"},
        {{"listen", "tls://127.0.0.1:0", "--cert", dir.path("not-pem"), "--key",
          dir.path("not-pem")},
         2,
         "not-pem"},
        {{"connect", "tls://127.0.0.1:1", "--cafile", dir.path("missing-ca.pem")},
         2,
         "missing-ca.pem"},
        {{"connect", "tls://127.0.0.1:1", "--alpn", "h2,,http/1.1"}, 2, "empty protocol name"},
        {{"connect", "tcp://127.0.0.1:1", "--insecure"},
         2,
         "--insecure applies only to tls:// URLs"},
        {{"listen", "unix:/tmp/x", "--cert", "c.pem"}, 2, "--cert applies only to tls:// URLs"},
        {{"relay", "tcp://127.0.0.1:0", "tcp://127.0.0.1:1", "--cafile", "ca.pem"},
         2,
         "--cafile applies only to tls:// URLs"},
        {{"relay", "tcp://127.0.0.1:0", "tcp://127.0.0.1:1", "--key", "k.pem"},
         2,
         "--key applies only to tls:// URLs"},
        {{"bench", "tcp://127.0.0.1:1", "--sni", "x.test"}, 2, "--sni applies only to tls://"},
        {{"listen", "udp://127.0.0.1:0", "--exec", "cat"}, 2, "datagram URL"},
    };
    for (const BadInput& input : inputs)
        expect_one_line_error(dir, input);
}

TEST(CliBadInput, CommandLineMistakes) {
    ScratchDir dir;
    const std::vector<BadInput> inputs = {
        {{}, 2, "coronet"},
        {{"frobnicate"}, 2, "unknown command 'frobnicate'"},
        {{"connect"}, 2, "URL is required"},
        {{"listen", "tcp://127.0.0.1:0", "--echo", "--hello"}, 2, "excludes"},
        {{"listen", "tcp://127.0.0.1:0", "--max-conns", "0"}, 2, "--max-conns"},
        {{"connect", "tcp://127.0.0.1:1", "--bogus"}, 2, "--bogus"},
        {{"resolve", "localhost", "65536"}, 2, "PORT"},
    };
    for (const BadInput& input : inputs)
        expect_one_line_error(dir, input);
}

TEST(CliBadInput, NetworkFailuresAreExitCodeOne) {
    ScratchDir dir;
    // A bound socket that never listens refuses every connection to its port.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string refused = "tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));

    const std::vector<BadInput> inputs = {
        {{"connect", refused}, 1, "Connection refused"},
        {{"bench", refused, "-d", "1s"}, 1, "Connection refused"},
        {{"connect", "tcp://nonexistent.invalid:80"}, 1, "nonexistent.invalid"},
        {{"resolve", "nonexistent.invalid"}, 1, "nonexistent.invalid"},
        {{"connect", "unix:" + dir.path("missing.sock")}, 1, "No such file or directory"},
        {{"listen", "tcp://192.0.2.1:1"}, 1, "192.0.2.1"},  // not a local address
    };
    for (const BadInput& input : inputs)
        expect_one_line_error(dir, input);
    ::close(fd);
}

TEST(CliBadInput, APathThatIsNotASocket) {
    ScratchDir dir;
    const std::string file = dir.path("regular-file");
    write_file(file, "not a socket");
    const std::vector<BadInput> inputs = {
        {{"connect", "unix:" + file}, 2, file + " exists and is not a socket"},
        {{"listen", "unix:" + file}, 2, file + " exists and is not a socket"},
        {{"connect", "unix-dgram:" + file}, 2, "exists and is not a socket"},
        {{"listen", "unix-dgram:" + file, "--echo"}, 2, "exists and is not a socket"},
        {{"relay", "unix:" + file, "tcp://127.0.0.1:1"}, 2, "exists and is not a socket"},
        {{"bench", "unix:" + file}, 2, "exists and is not a socket"},
    };
    for (const BadInput& input : inputs)
        expect_one_line_error(dir, input);
    EXPECT_EQ(read_file(file), "not a socket");  // never removed
}

}  // namespace
}  // namespace coronet::tools_test
