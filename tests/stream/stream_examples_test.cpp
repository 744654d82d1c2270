// The stream example programs (examples/tcp_client, tcp_server, unix_client,
// unix_server, fd_client, fd_server) run as processes: each pair against
// each other, against this test's own sockets, each server against a Python
// peer and each client against a Python server (/usr/bin/python3, standard
// library only), with the exact bytes checked. Clients' stdout is compared
// with what the reference's Python does for the same input. Servers are
// killed at the end; every wait is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "support/example_process.hpp"

using namespace coronet;
using namespace example_process;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

// A TCP port that was free a moment ago.
int free_tcp_port() {
    return run([]() -> Task<int> {
        auto probe = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        const int port = probe.extra<attr::local_port>();
        co_await probe.aclose();
        co_return port;
    });
}

std::string to_hex(const std::string& data) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : data) {
        const auto c = static_cast<unsigned char>(ch);
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    return out;
}

// What the reference's Python prints for `payload`: print(bytes).
std::string python_print_bytes(const std::string& payload, const std::string& dir) {
    Child python(kPython, {"-c", "import sys; print(bytes.fromhex(sys.argv[1]))", to_hex(payload)},
                 dir + "/repr.err", dir + "/repr.out");
    EXPECT_EQ(python.wait(), 0) << python.stderr_text();
    return python.stdout_text();
}

// A Python child prints "ready" (or its port) on its first line once it
// listens; waits for that line (bounded). "" if it never comes.
std::string ready_line(Child& child) {
    for (int i = 0; i < 3000 && child.running(); ++i) {
        const std::string text = child.stdout_text();
        if (!text.empty() && text.back() == '\n') return first_line(text);
        ::usleep(10'000);
    }
    const std::string text = child.stdout_text();
    return text.empty() || text.back() != '\n' ? "" : first_line(text);
}

void require_python() {
    ASSERT_EQ(::access(kPython, X_OK), 0) << kPython << " not found (scripts/test.sh installs it)";
}

// Sends `name` to a hello server, returns everything it answers until it
// closes (the test's own client).
Task<std::string> hello_exchange(ByteStream& stream, std::string name) {
    co_await stream.send(name);
    std::string reply;
    // Built outside the co_await: g++ 12 destroys a capturing lambda made
    // inside one twice (docs/runtime-threads.md).
    auto read_to_end = [&]() -> Task<void> {
        try {
            for (;;)
                reply += (co_await stream.receive()).str();
        } catch (const EndOfStream&) {
        }
    };
    co_await fail_after(30s, read_to_end());
    co_return reply;
}

// Reads a received descriptor to its end (the test's own fd client).
std::string read_fd(int fd) {
    std::string text;
    char buffer[4096];
    for (int i = 0; i < 10000; ++i) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

// A hello server's Python client: sends bytes outside ASCII, expects the
// exact answer and the server closing the connection.
const char* kPythonHelloClient = R"(
import socket, sys
if sys.argv[1] == "tcp":
    s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=20)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sys.argv[2])
s.sendall(b"Python \x00\xff\n")
reply = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
s.close()
if reply != b"Hello, Python \x00\xff\n\n":
    print(repr(reply), file=sys.stderr)
    sys.exit(1)
)";

// A one-connection Python hello server for the clients: prints its port (or
// "ready"), expects "Client\n", answers with the hex-encoded payload.
const char* kPythonHelloServer = R"(
import socket, sys
mode, where, payload = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
if mode == "tcp":
    srv = socket.create_server(("127.0.0.1", 0))
    print(srv.getsockname()[1], flush=True)
else:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(where)
    srv.listen()
    print("ready", flush=True)
srv.settimeout(20)
conn, _ = srv.accept()
conn.settimeout(20)
got = b""
while not got.endswith(b"\n"):
    chunk = conn.recv(1024)
    if not chunk:
        break
    got += chunk
conn.sendall(payload)
conn.close()
srv.close()
if got != b"Client\n":
    print(repr(got), file=sys.stderr)
    sys.exit(1)
)";

// The reference's fd client, with Python's own socket.recv_fds.
const char* kPythonFdClient = R"(
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
msg, fds, flags, addr = socket.recv_fds(s, 1024, 1)
s.close()
with os.fdopen(fds[0]) as file:
    print(file.read())
)";

// A one-connection Python fd server: sends an open file ("file PATH") or
// one end of a socket pair whose other end writes TEXT and closes
// ("socket TEXT"), with the reference's message; or nothing at all ("none -").
const char* kPythonFdServer = R"(
import socket, sys
path, kind, arg = sys.argv[1], sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen()
print("ready", flush=True)
srv.settimeout(20)
conn, _ = srv.accept()
if kind == "none":
    pass
elif kind == "file":
    with open(arg) as f:
        socket.send_fds(conn, [b"this message is ignored"], [f.fileno()])
else:
    a, b = socket.socketpair()
    socket.send_fds(conn, [b"this message is ignored"], [a.fileno()])
    a.close()
    b.sendall(arg.encode())
    b.close()
conn.close()
srv.close()
)";

// A UNIX stream socket for fd_server to pass on: every connection gets TEXT,
// then the end of the stream. Serves until killed (or 20 s idle).
const char* kPythonSocketSource = R"(
import socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen()
print("ready", flush=True)
srv.settimeout(20)
while True:
    conn, _ = srv.accept()
    try:
        conn.sendall(sys.argv[2].encode())
    except OSError:
        pass  # a reader that went away (the test's readiness probe)
    conn.close()
)";

}  // namespace

TEST(StreamExamples, BadArgumentsAreUsageErrors) {
    TempDir dir;
    const std::string err = dir.path + "/stderr";
    const std::vector<std::pair<const char*, std::vector<std::string>>> cases = {
        {"tcp_client", {}},
        {"tcp_client", {"127.0.0.1"}},
        {"tcp_client", {"127.0.0.1", "0"}},
        {"tcp_client", {"127.0.0.1", "65536"}},
        {"tcp_client", {"127.0.0.1", "12x"}},
        {"tcp_client", {"", "1234"}},
        {"tcp_client", {"127.0.0.1", "1234", "extra"}},
        {"tcp_server", {}},
        {"tcp_server", {"-1"}},
        {"tcp_server", {"port"}},
        {"tcp_server", {"1234", "extra"}},
        {"unix_client", {}},
        {"unix_client", {""}},
        {"unix_client", {"/tmp/a", "/tmp/b"}},
        {"unix_server", {}},
        {"unix_server", {""}},
        {"fd_client", {}},
        {"fd_client", {""}},
        {"fd_server", {"/tmp/x"}},
        {"fd_server", {"", "/etc/hostname"}},
        {"fd_server", {"/tmp/x", ""}},
        {"fd_server", {"/tmp/x", "/etc/hostname", "extra"}},
    };
    for (const auto& [name, args] : cases) {
        Child child(example_path(name), args, err);
        EXPECT_EQ(child.wait(), 2) << name;
        const std::string text = child.stderr_text();
        EXPECT_EQ(text.rfind("usage: ", 0), 0u) << name << ": " << text;
        EXPECT_TRUE(is_one_line(text)) << name << ": not one line: " << text;
    }
}

TEST(StreamExamples, RuntimeFailuresAreOneLineErrors) {
    TempDir dir;
    const int closed_port = free_tcp_port();
    const std::string none = dir.path + "/none";
    const std::string regular = dir.path + "/regular";
    write_text(regular, "not a socket");
    struct Case {
        const char* name;
        std::vector<std::string> args;
        const char* expected;  // part of the message
    };
    const std::vector<Case> cases = {
        {"tcp_client", {"127.0.0.1", std::to_string(closed_port)}, "refused"},
        {"unix_client", {none}, "No such file"},
        {"unix_client", {regular}, "refused"},
        {"fd_client", {none}, "No such file"},
        {"fd_server", {dir.path + "/fd.sock", none}, "No such file"},
        {"unix_server", {dir.path + "/no/dir/sock"}, "No such file"},
        {"unix_server", {regular}, ""},
        {"fd_server", {regular, regular}, ""},
    };
    for (const auto& c : cases) {
        Child child(example_path(c.name), c.args, dir.path + "/err");
        EXPECT_EQ(child.wait(), 1) << c.name << " " << c.args[0];
        const std::string text = child.stderr_text();
        EXPECT_EQ(text.rfind(std::string(c.name) + ": ", 0), 0u) << text;
        EXPECT_TRUE(is_one_line(text)) << c.name << ": not one line: " << text;
        EXPECT_NE(text.find(c.expected), std::string::npos) << c.name << ": " << text;
    }
    EXPECT_EQ(read_text(regular), "not a socket");  // never replaced

    // A port some other socket listens on.
    run([&]() -> Task<void> {
        auto taken = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        Child server(example_path("tcp_server"), {std::to_string(taken.extra<attr::local_port>())},
                     dir.path + "/err");
        EXPECT_EQ(server.wait(), 1);
        EXPECT_TRUE(is_one_line(server.stderr_text())) << server.stderr_text();
        EXPECT_NE(server.stderr_text().find("in use"), std::string::npos) << server.stderr_text();
        co_await taken.aclose();
    });
}

TEST(StreamExamples, TcpClientAndTcpServer) {
    TempDir dir;
    const int port = free_tcp_port();
    Child server(example_path("tcp_server"), {std::to_string(port)}, dir.path + "/server.err");
    ASSERT_TRUE(wait_until_accepting_tcp(port, server)) << server.stderr_text();

    // The pair: exactly what the Python client prints for b"Hello, Client\n\n".
    for (const char* host : {"127.0.0.1", "localhost"}) {
        Child client(example_path("tcp_client"), {host, std::to_string(port)},
                     dir.path + "/client.err", dir.path + "/client.out");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(client.stdout_text(), "b'Hello, Client\\n\\n'\n") << host;
        EXPECT_EQ(client.stderr_text(), "");
    }

    // The server against this test's client: the exact reply, then the end.
    run([&]() -> Task<void> {
        SocketStream me = co_await connect_tcp("127.0.0.1", port);
        EXPECT_EQ(co_await hello_exchange(me, "coronet"), "Hello, coronet\n");
    });
    EXPECT_TRUE(server.running()) << server.stderr_text();
}

TEST(StreamExamples, UnixClientAndUnixServer) {
    TempDir dir;
    const std::string path = dir.path + "/hello.sock";
    {
        Child server(example_path("unix_server"), {path}, dir.path + "/server.err");
        ASSERT_TRUE(wait_until_accepting_unix(path, server)) << server.stderr_text();
        Child client(example_path("unix_client"), {path}, dir.path + "/client.err",
                     dir.path + "/client.out");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(client.stdout_text(), "b'Hello, Client\\n\\n'\n");
        run([&]() -> Task<void> {
            UNIXSocketStream me = co_await connect_unix(path);
            EXPECT_EQ(co_await hello_exchange(me, "coronet"), "Hello, coronet\n");
        });

        // A second server on a live socket is refused; the first keeps it.
        Child second(example_path("unix_server"), {path}, dir.path + "/second.err");
        EXPECT_EQ(second.wait(), 1);
        EXPECT_TRUE(is_one_line(second.stderr_text())) << second.stderr_text();
        EXPECT_TRUE(server.running()) << server.stderr_text();
    }
    // The killed server left its socket file behind (the reference's note);
    // starting again replaces that stale file, as AnyIO does. (On io_uring
    // the kernel tears a dead process's ring down a moment later, and its
    // listening socket with it: wait until connecting is refused.)
    ASSERT_TRUE(std::filesystem::is_socket(path));
    ASSERT_TRUE(wait_until_refused_unix(path));
    Child again(example_path("unix_server"), {path}, dir.path + "/again.err");
    ASSERT_TRUE(wait_until_accepting_unix(path, again)) << again.stderr_text();
    Child client(example_path("unix_client"), {path}, dir.path + "/client.err",
                 dir.path + "/client.out");
    EXPECT_EQ(client.wait(), 0) << client.stderr_text();
    EXPECT_EQ(client.stdout_text(), "b'Hello, Client\\n\\n'\n");

    // Abstract names work for both.
    const std::string abstract = "@coronet-example-" + std::to_string(::getpid());
    Child abstract_server(example_path("unix_server"), {abstract}, dir.path + "/abstract.err");
    std::string reply;
    for (int i = 0; i < 3000 && abstract_server.running() && reply.empty(); ++i) {
        Child c(example_path("unix_client"), {abstract}, dir.path + "/c.err", dir.path + "/c.out");
        if (c.wait() == 0)
            reply = c.stdout_text();
        else
            ::usleep(10'000);
    }
    EXPECT_EQ(reply, "b'Hello, Client\\n\\n'\n") << abstract_server.stderr_text();
}

TEST(StreamExamples, ServersAnswerAPythonClient) {
    require_python();
    TempDir dir;
    const int port = free_tcp_port();
    Child tcp_server(example_path("tcp_server"), {std::to_string(port)}, dir.path + "/tcp.err");
    const std::string path = dir.path + "/hello.sock";
    Child unix_server(example_path("unix_server"), {path}, dir.path + "/unix.err");
    ASSERT_TRUE(wait_until_accepting_tcp(port, tcp_server)) << tcp_server.stderr_text();
    ASSERT_TRUE(wait_until_accepting_unix(path, unix_server)) << unix_server.stderr_text();

    Child tcp_peer(kPython, {"-c", kPythonHelloClient, "tcp", std::to_string(port)},
                   dir.path + "/py-tcp.err");
    EXPECT_EQ(tcp_peer.wait(), 0) << tcp_peer.stderr_text();
    Child unix_peer(kPython, {"-c", kPythonHelloClient, "unix", path}, dir.path + "/py-unix.err");
    EXPECT_EQ(unix_peer.wait(), 0) << unix_peer.stderr_text();
    EXPECT_TRUE(tcp_server.running()) << tcp_server.stderr_text();
    EXPECT_TRUE(unix_server.running()) << unix_server.stderr_text();
}

TEST(StreamExamples, ClientsPrintWhatPythonPrints) {
    require_python();
    TempDir dir;
    // Replies that exercise Python's bytes repr: the quote choice, escapes,
    // bytes outside ASCII.
    const std::vector<std::string> payloads = {
        "Hello, Client\n\n",
        "it's",
        "it's \"both\"",
        "say \"hi\"",
        "\x00\x01\x1f\x7f\x80\xff \\ \t\r\n~"s,  // the size counts the NUL
        "h\xc3\xa9llo",
    };
    // The form the pair tests expect is Python's.
    EXPECT_EQ(python_print_bytes("Hello, Client\n\n", dir.path), "b'Hello, Client\\n\\n'\n");
    for (const std::string& payload : payloads) {
        const std::string expected = python_print_bytes(payload, dir.path);
        for (const char* mode : {"tcp", "unix"}) {
            const std::string path = dir.path + "/py.sock";
            std::filesystem::remove(path);
            Child server(kPython, {"-c", kPythonHelloServer, mode, path, to_hex(payload)},
                         dir.path + "/py.err", dir.path + "/py.out");
            const std::string ready = ready_line(server);
            ASSERT_NE(ready, "") << server.stderr_text();
            const bool tcp = std::string(mode) == "tcp";
            Child client(
                example_path(tcp ? "tcp_client" : "unix_client"),
                tcp ? std::vector<std::string>{"127.0.0.1", ready} : std::vector<std::string>{path},
                dir.path + "/client.err", dir.path + "/client.out");
            EXPECT_EQ(client.wait(), 0) << client.stderr_text();
            EXPECT_EQ(client.stdout_text(), expected) << mode << " " << to_hex(payload);
            EXPECT_EQ(server.wait(), 0) << server.stderr_text();
        }
    }
}

TEST(StreamExamples, FdClientAndFdServerWithAFile) {
    TempDir dir;
    const std::string file = dir.path + "/examplefile";
    write_text(file, "Test file");
    const std::string path = dir.path + "/fd.sock";
    Child server(example_path("fd_server"), {path, file}, dir.path + "/server.err");
    ASSERT_TRUE(wait_until_accepting_unix(path, server)) << server.stderr_text();

    // Each client gets its own open file, read from the start.
    for (int i = 0; i < 2; ++i) {
        Child client(example_path("fd_client"), {path}, dir.path + "/client.err",
                     dir.path + "/client.out");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(client.stdout_text(), "Test file\n");
    }

    // What the server sends, exactly: the message and one descriptor.
    run([&]() -> Task<void> {
        UNIXSocketStream me = co_await connect_unix(path);
        std::string message;
        std::vector<net::FileDescriptor> fds;
        auto read_to_end = [&]() -> Task<void> {
            try {
                for (;;) {
                    ReceivedFds got = co_await me.receive_fds(1024, 1);
                    message += got.message.str();
                    for (auto& fd : got.fds)
                        fds.push_back(std::move(fd));
                }
            } catch (const EndOfStream&) {
            }
        };
        co_await fail_after(30s, read_to_end());
        EXPECT_EQ(message, "this message is ignored");
        EXPECT_EQ(fds.size(), 1u);
        if (!fds.empty()) {
            EXPECT_EQ(read_fd(fds[0].get()), "Test file");
        }
    });
    EXPECT_TRUE(server.running()) << server.stderr_text();
}

TEST(StreamExamples, FdServerPassesASocket) {
    require_python();
    TempDir dir;
    const std::string source = dir.path + "/source.sock";
    Child source_server(kPython, {"-c", kPythonSocketSource, source, "from a socket\r\n"},
                        dir.path + "/source.err", dir.path + "/source.out");
    ASSERT_EQ(ready_line(source_server), "ready") << source_server.stderr_text();
    const std::string path = dir.path + "/fd.sock";
    Child server(example_path("fd_server"), {path, source}, dir.path + "/server.err");
    ASSERT_TRUE(wait_until_accepting_unix(path, server)) << server.stderr_text();

    Child client(example_path("fd_client"), {path}, dir.path + "/client.err",
                 dir.path + "/client.out");
    EXPECT_EQ(client.wait(), 0) << client.stderr_text() << server.stderr_text()
                                << source_server.stderr_text();
    EXPECT_EQ(client.stdout_text(), "from a socket\n\n");
    // The reference's client in Python reads the passed socket the same way.
    Child python(kPython, {"-c", kPythonFdClient, path}, dir.path + "/py.err",
                 dir.path + "/py.out");
    EXPECT_EQ(python.wait(), 0) << python.stderr_text();
    EXPECT_EQ(python.stdout_text(), "from a socket\n\n");
    EXPECT_TRUE(server.running()) << server.stderr_text();
}

TEST(StreamExamples, FdServerAnswersAPythonClient) {
    require_python();
    TempDir dir;
    // Text mode in Python: universal newlines and UTF-8; fd_client matches.
    const std::vector<std::string> contents = {"Test file", "a\r\nb\rc\n", "h\xc3\xa9llo\n\n", ""};
    for (const std::string& content : contents) {
        const std::string file = dir.path + "/examplefile";
        write_text(file, content);
        const std::string path = dir.path + "/fd.sock";
        std::filesystem::remove(path);
        Child server(example_path("fd_server"), {path, file}, dir.path + "/server.err");
        ASSERT_TRUE(wait_until_accepting_unix(path, server)) << server.stderr_text();
        Child python(kPython, {"-c", kPythonFdClient, path}, dir.path + "/py.err",
                     dir.path + "/py.out");
        EXPECT_EQ(python.wait(), 0) << python.stderr_text();
        Child client(example_path("fd_client"), {path}, dir.path + "/client.err",
                     dir.path + "/client.out");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(client.stdout_text(), python.stdout_text()) << to_hex(content);
    }
}

TEST(StreamExamples, FdClientAgainstAPythonServer) {
    require_python();
    TempDir dir;
    const std::string file = dir.path + "/examplefile";
    write_text(file, "Test file");
    for (const char* kind : {"file", "socket"}) {
        const std::string path = dir.path + "/py.sock";
        std::filesystem::remove(path);
        const bool is_file = std::string(kind) == "file";
        Child server(kPython,
                     {"-c", kPythonFdServer, path, kind, is_file ? file : "over a socketpair"},
                     dir.path + "/py.err", dir.path + "/py.out");
        ASSERT_EQ(ready_line(server), "ready") << server.stderr_text();
        Child client(example_path("fd_client"), {path}, dir.path + "/client.err",
                     dir.path + "/client.out");
        EXPECT_EQ(client.wait(), 0) << client.stderr_text();
        EXPECT_EQ(client.stdout_text(), is_file ? "Test file\n" : "over a socketpair\n") << kind;
        EXPECT_EQ(server.wait(), 0) << server.stderr_text();
    }
}

TEST(StreamExamples, FdClientRefusesWhatPythonRefuses) {
    require_python();
    TempDir dir;
    const std::string file = dir.path + "/invalid";
    write_text(file, "bad \xff byte");
    const std::string path = dir.path + "/fd.sock";
    Child server(example_path("fd_server"), {path, file}, dir.path + "/server.err");
    ASSERT_TRUE(wait_until_accepting_unix(path, server)) << server.stderr_text();
    Child python(kPython, {"-c", kPythonFdClient, path}, dir.path + "/py.err",
                 dir.path + "/py.out");
    EXPECT_EQ(python.wait(), 1);
    EXPECT_EQ(python.stdout_text(), "");
    Child client(example_path("fd_client"), {path}, dir.path + "/client.err",
                 dir.path + "/client.out");
    EXPECT_EQ(client.wait(), 1);
    EXPECT_EQ(client.stdout_text(), "");
    EXPECT_TRUE(is_one_line(client.stderr_text())) << client.stderr_text();

    // A server that closes without sending a descriptor.
    Child closer(kPython, {"-c", kPythonFdServer, dir.path + "/py.sock", "none", "-"},
                 dir.path + "/py.err", dir.path + "/py.out");
    ASSERT_EQ(ready_line(closer), "ready") << closer.stderr_text();
    Child nothing(example_path("fd_client"), {dir.path + "/py.sock"}, dir.path + "/c.err",
                  dir.path + "/c.out");
    EXPECT_EQ(nothing.wait(), 1);
    EXPECT_EQ(nothing.stdout_text(), "");
    EXPECT_TRUE(is_one_line(nothing.stderr_text())) << nothing.stderr_text();
    EXPECT_EQ(closer.wait(), 0) << closer.stderr_text();
}
