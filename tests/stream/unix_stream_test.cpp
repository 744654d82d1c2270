// UNIX streams: listener file rules (never removed, stale replacement, a
// non-socket never touched), abstract names, modes, fd passing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/coronet-stream-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

bool is_socket(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

TEST(UnixListener, ServesAndLeavesItsSocketFile) {
    TempDir dir;
    const std::string path = dir.path + "/sock";
    run([&]() -> Task<void> {
        auto listener = co_await create_unix_listener(path);
        EXPECT_TRUE(is_socket(path));
        EXPECT_EQ(listener.extra<attr::local_address>().path(), path);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve([](UNIXSocketStream client) -> Task<void> {
                    Bytes name = co_await client.receive(1024);
                    co_await client.send(concat("Hello, ", name, "\n"));
                });
            });
            UNIXSocketStream client = co_await connect_unix(path);
            co_await client.send("Client");
            EXPECT_EQ((co_await client.receive(1024)).str(), "Hello, Client\n");
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
        EXPECT_TRUE(is_socket(path));  // AnyIO's rule: not removed
    });
}

TEST(UnixListener, ExistingPathRules) {
    TempDir dir;
    const std::string path = dir.path + "/sock";
    const std::string file = dir.path + "/file";
    std::ofstream(file) << "keep me";
    run([&]() -> Task<void> {
        // A stale socket file (nobody listens): an error unless replace_stale.
        {
            auto first = co_await create_unix_listener(path);
            co_await first.aclose();
        }
        try {
            (void)co_await create_unix_listener(path);
            ADD_FAILURE() << "an existing path was silently replaced";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("replace_stale"), std::string::npos) << e.what();
        }
        auto replaced = co_await create_unix_listener(path, {.replace_stale = true});
        // Now somebody listens: even replace_stale refuses.
        try {
            (void)co_await create_unix_listener(path, {.replace_stale = true});
            ADD_FAILURE() << "a live socket was replaced";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
        }
        UNIXSocketStream c = co_await connect_unix(path);  // still the live listener's
        UNIXSocketStream s = co_await replaced.accept();
        co_await replaced.aclose();
        // A regular file is never removed.
        EXPECT_THROW((void)co_await create_unix_listener(file, {.replace_stale = true}),
                     std::invalid_argument);
    });
    std::ifstream in(file);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "keep me");
}

TEST(UnixListener, ModeAndAbstractNamesAndBadInput) {
    TempDir dir;
    const std::string path = dir.path + "/sock";
    run([&]() -> Task<void> {
        auto l = co_await create_unix_listener(path, {.mode = 0600});
        struct stat st {};
        CO_ASSERT((::stat(path.c_str(), &st)) == (0));
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        co_await l.aclose();

        const std::string name = stream_test::unique_abstract_name();
        auto abstract = co_await create_unix_listener(name);
        EXPECT_TRUE(abstract.extra<attr::local_address>().is_abstract());
        UNIXSocketStream c = co_await connect_unix(name);
        UNIXSocketStream s = co_await abstract.accept();
        std::string nul_name = name;
        nul_name[0] = '\0';
        UNIXSocketStream c2 = co_await connect_unix(nul_name);
        UNIXSocketStream s2 = co_await abstract.accept();
        co_await abstract.aclose();

        EXPECT_THROW((void)co_await create_unix_listener("/tmp/" + std::string(200, 'x')),
                     std::invalid_argument);
        EXPECT_THROW((void)co_await create_unix_listener(""), std::invalid_argument);
    });
}

TEST(UnixSocketStream, SendAndReceiveFdsOfFilesAndSockets) {
    run([]() -> Task<void> {
        auto client_server_pair = co_await stream_test::unix_pair();
        auto& client = client_server_pair.first;
        auto& server = client_server_pair.second;
        std::string tmpl = "/tmp/coronet-fd-XXXXXX";
        const int file = ::mkostemp(tmpl.data(), O_CLOEXEC);
        CO_ASSERT((file) >= (0));
        ::unlink(tmpl.c_str());
        CO_ASSERT((::write(file, "Test file", 9)) == (9));
        ::lseek(file, 0, SEEK_SET);
        auto x_y_pair = net::socketpair();
        auto& x = x_y_pair.first;
        auto& y = x_y_pair.second;
        co_await server.send_fds("this message is ignored", std::array{file, x.fileno()});
        ::close(file);
        ReceivedFds got = co_await client.receive_fds(64, 2);
        EXPECT_EQ(got.message.str(), "this message is ignored");
        CO_ASSERT((got.fds.size()) == (2u));
        std::string buffer(32, '\0');
        EXPECT_EQ(::read(got.fds[0].get(), buffer.data(), buffer.size()), 9);
        EXPECT_STREQ(buffer.c_str(), "Test file");
        // The received socket is the other end's peer.
        net::Socket passed = net::from_native(got.fds[1].release());
        co_await passed.send("via passed fd");
        EXPECT_EQ((co_await y.recv(64)).str(), "via passed fd");

        // More fds than maxfds: a clear error, and nothing leaks (fd check).
        co_await server.send_fds("x", std::array{x.fileno(), y.fileno()});
        EXPECT_THROW((void)co_await client.receive_fds(16, 1), BrokenResourceError);
        co_await server.send_fds("y", std::array{x.fileno(), y.fileno(), x.fileno(), y.fileno()});
        EXPECT_THROW((void)co_await client.receive_fds(16, 1), BrokenResourceError);

        EXPECT_THROW((void)co_await server.send_fds("", std::array{x.fileno()}),
                     std::invalid_argument);
        EXPECT_THROW((void)co_await server.send_fds("m", std::span<const int>{}),
                     std::invalid_argument);
        co_await server.aclose();
        EXPECT_THROW((void)co_await client.receive_fds(16, 1), EndOfStream);
    });
}

// The reference's fd-passing example, as written there: the client receives
// with msglen 0.
TEST(UnixSocketStream, ReferenceFdPassingExample) {
    TempDir dir;
    const std::string sock = dir.path + "/mysock";
    const std::string example = dir.path + "/examplefile";
    std::ofstream(example) << "Test file";
    run([&]() -> Task<void> {
        auto listener = co_await create_unix_listener(sock);
        std::string printed;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve([&](UNIXSocketStream client) -> Task<void> {
                    net::FileDescriptor file(::open(example.c_str(), O_RDONLY | O_CLOEXEC));
                    co_await client.send_fds("this message is ignored", std::array{file.get()});
                });
            });
            UNIXSocketStream client = co_await connect_unix(sock);
            ReceivedFds received = co_await client.receive_fds(0, 1);
            auto& message = received.message;
            auto& fds = received.fds;
            EXPECT_TRUE(message.empty());
            CO_ASSERT((fds.size()) == (1u));
            FILE* f = ::fdopen(fds[0].release(), "r");
            std::string line(64, '\0');
            const bool got_line = std::fgets(line.data(), 64, f) != nullptr;
            std::fclose(f);
            CO_ASSERT(got_line);
            printed = line.c_str();
            tg.cancel_scope().cancel();
        });
        EXPECT_EQ(printed, "Test file");
        co_await listener.aclose();
    });
}
