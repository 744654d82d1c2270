// Interop with a peer coronet did not write: Python's own socket module, run
// as /usr/bin/python3 with the standard library only, over TCP (127.0.0.1 and
// ::1), UDP, and SCM_RIGHTS on a UNIX socketpair.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <coronet/net/ancillary.hpp>
#include <coronet/net/file_descriptor.hpp>
#include <coronet/net/sock_calls.hpp>
#include <coronet/net/socket.hpp>
#include <string>
#include <vector>

#include "net/net_test_support.hpp"

extern char** environ;

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// A python3 child process; killed and reaped if the test ends early.
class PythonPeer {
  public:
    PythonPeer(const std::string& script, const std::vector<std::string>& args) {
        std::vector<std::string> argv_strings{"python3", "-c", script};
        argv_strings.insert(argv_strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_strings)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, kPython, nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start python3");
        }
    }
    ~PythonPeer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // Waits for the child (it finishes on its own once the talk is over) and
    // returns its exit status.
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

  private:
    pid_t pid_ = -1;
};

bool python_available() {
    return ::access(kPython, X_OK) == 0;
}

const char* kTcpClient = R"(
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(b"hello from python")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
sys.exit(0 if data == b"HELLO FROM PYTHON" else 1)
)";

const char* kUdpClient = R"(
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
data, addr = s.recvfrom(100)
sys.exit(0 if data == b"pong:ping" and addr[1] == int(sys.argv[2]) else 1)
)";

const char* kFdPeer = R"(
import os, socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
s.settimeout(20)
msg, fds, flags, addr = socket.recv_fds(s, 100, 4)
contents = [os.pread(fd, 100, 0) for fd in fds]
for fd in fds:
    os.close(fd)
s.sendall(b"|".join(contents))
r, w = os.pipe()
os.write(w, b"from a python pipe")
os.close(w)
socket.send_fds(s, [b"F"], [r])
os.close(r)
sys.exit(0 if msg == b"files" and len(fds) == 2 else 1)
)";

std::string upper(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

class PythonInterop : public ::testing::TestWithParam<net_test::Family> {
  protected:
    void SetUp() override {
        if (!python_available())
            FAIL() << kPython << " not found (scripts/test.sh installs python3)";
    }
};

}  // namespace

TEST_P(PythonInterop, TcpWithPythonClient) {
    const int family = GetParam().family;
    run([&]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(family);
        const SocketAddress address = listener.getsockname();
        PythonPeer peer(kTcpClient, {address.host(), std::to_string(address.port())});
        // A safety net against a peer that never comes, not a timing check.
        co_await fail_after(60s, [&]() -> Task<void> {
            auto [client, from] = co_await listener.accept();
            EXPECT_EQ(from.host(), address.host());
            std::string request;
            for (;;) {
                Bytes chunk = co_await client.recv(4096);
                if (chunk.empty()) break;
                request += chunk.str();
            }
            EXPECT_EQ(request, "hello from python");
            co_await sock_sendall(client, upper(request));
            client.close();
        }());
        EXPECT_EQ(peer.wait(), 0);
    });
}

TEST_P(PythonInterop, UdpWithPythonClient) {
    const int family = GetParam().family;
    run([&]() -> Task<void> {
        Socket udp = co_await net_test::datagram_socket(family);
        const SocketAddress address = udp.getsockname();
        PythonPeer peer(kUdpClient, {address.host(), std::to_string(address.port())});
        co_await fail_after(60s, [&]() -> Task<void> {
            auto [data, from] = co_await udp.recvfrom(100);
            EXPECT_EQ(data.str(), "ping");
            co_await udp.sendto(concat("pong:", data), from);
        }());
        EXPECT_EQ(peer.wait(), 0);
    });
}

INSTANTIATE_TEST_SUITE_P(Ip, PythonInterop,
                         ::testing::Values(net_test::kFamilies[0], net_test::kFamilies[1]),
                         net_test::family_name);

TEST(PythonInteropUnix, ScmRightsBothWays) {
    if (!python_available()) FAIL() << kPython << " not found (scripts/test.sh installs python3)";
    FileDescriptor first(net_test::temp_file_with("contents one"));
    FileDescriptor second(net_test::temp_file_with("contents two"));
    run([&]() -> Task<void> {
        auto [ours, theirs] = net::socketpair(AF_UNIX, SOCK_SEQPACKET);
        // Only this end may cross into the child; it is closed here at once.
        theirs.set_inheritable(true);
        PythonPeer peer(kFdPeer, {std::to_string(theirs.fileno())});
        theirs.close();
        co_await fail_after(60s, [&]() -> Task<void> {
            Ancillary out;
            out.fds = {first.get(), second.get()};
            const std::array<BytesView, 1> payload{BytesView("files")};
            co_await ours.sendmsg(payload, out);
            EXPECT_EQ((co_await ours.recv(200)).str(), "contents one|contents two");
            auto m = co_await ours.recvmsg(16, cmsg_space_for_fds(4));
            EXPECT_EQ(m.data.str(), "F");
            EXPECT_FALSE(m.ancillary.truncated);
            if (m.ancillary.fds.size() == 1) {
                char buffer[64];
                const ssize_t n = ::read(m.ancillary.fds[0].get(), buffer, sizeof buffer);
                EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0),
                          "from a python pipe");
            } else {
                ADD_FAILURE() << "received " << m.ancillary.fds.size() << " fds";
            }
        }());
        EXPECT_EQ(peer.wait(), 0);
    });
}
