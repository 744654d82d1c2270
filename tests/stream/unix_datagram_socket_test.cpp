// UNIXDatagramSocket and ConnectedUNIXDatagramSocket: paths (filesystem,
// abstract, unnamed), the socket file's fate, attributes and errors (the
// shared datagram contract is in datagram_conformance_test.cpp).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <coronet/coronet.hpp>
#include <coronet/stream/unix_datagram_socket.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace coronet;

namespace {

// A temporary directory removed (with its files) at scope end.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/coronet-dgram-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

std::string abstract(const char* name) {
    std::string path(1, '\0');
    path += name;
    path += std::to_string(::getpid());
    return path;
}

}  // namespace

TEST(UNIXDatagramSocket, FilesystemPathsBothWays) {
    TempDir dir;
    const std::string server_path = dir.path + "/server";
    const std::string client_path = dir.path + "/client";
    run([&]() -> Task<void> {
        UNIXDatagramSocket server =
            co_await create_unix_datagram_socket({.local_path = server_path});
        UNIXDatagramSocket client =
            co_await create_unix_datagram_socket({.local_path = client_path});
        EXPECT_EQ(server.family(), AF_UNIX);
        EXPECT_EQ(server.local_path(), server_path);
        co_await client.sendto("name", server_path);
        auto [data, path] = co_await server.receive();
        EXPECT_EQ(data.str(), "name");
        EXPECT_EQ(path, client_path);
        const UNIXDatagramPacket answer{concat("Hello, ", data), path};
        co_await server.send(answer);
        EXPECT_EQ((co_await client.receive()).data.str(), "Hello, name");
    });
}

TEST(UNIXDatagramSocket, SocketFileStaysAndBlocksTheNextBind) {
    TempDir dir;
    const std::string path = dir.path + "/sock";
    run([&]() -> Task<void> {
        {
            UNIXDatagramSocket s = co_await create_unix_datagram_socket({.local_path = path});
            co_await s.aclose();
        }
        EXPECT_TRUE(std::filesystem::exists(path));  // as AnyIO's listeners: not removed
        try {
            co_await create_unix_datagram_socket({.local_path = path});
            ADD_FAILURE() << "bound over an existing socket file";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EADDRINUSE);
            EXPECT_EQ(e.address(), path);
            EXPECT_NE(std::string(e.what()).find("path exists"), std::string::npos) << e.what();
        }
        // Asked to, a stale socket file is replaced.
        UNIXDatagramSocket again =
            co_await create_unix_datagram_socket({.local_path = path, .replace_stale = true});
        EXPECT_EQ(again.local_path(), path);
    });
}

TEST(UNIXDatagramSocket, ReplaceExistingLeavesRegularFilesAlone) {
    TempDir dir;
    const std::string path = dir.path + "/data.txt";
    std::ofstream(path) << "precious";
    run([&]() -> Task<void> {
        EXPECT_THROW(
            co_await create_unix_datagram_socket({.local_path = path, .replace_stale = true}),
            OSError);
    });
    std::ifstream in(path);
    std::string contents;
    in >> contents;
    EXPECT_EQ(contents, "precious");
}

TEST(UNIXDatagramSocket, LocalModeIsApplied) {
    TempDir dir;
    const std::string path = dir.path + "/sock";
    run([&]() -> Task<void> {
        UNIXDatagramSocket s =
            co_await create_unix_datagram_socket({.local_path = path, .local_mode = 0600});
        struct stat st {};
        EXPECT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
    });
}

TEST(UNIXDatagramSocket, AbstractNamesRoundTrip) {
    const std::string server_path = abstract("coronet-dgram-server-");
    const std::string client_path = abstract("coronet-dgram-client-");
    run([&]() -> Task<void> {
        UNIXDatagramSocket server =
            co_await create_unix_datagram_socket({.local_path = server_path});
        UNIXDatagramSocket client =
            co_await create_unix_datagram_socket({.local_path = client_path});
        EXPECT_EQ(server.local_path(), server_path);
        co_await client.sendto("abstract", server_path);
        auto packet = co_await server.receive();
        EXPECT_EQ(packet.path, client_path);  // "\0name", as Python shows it
        co_await server.sendto("reply", packet.path);
        EXPECT_EQ((co_await client.receive()).data.str(), "reply");
    });
}

TEST(UNIXDatagramSocket, UnnamedSenderCannotBeAnswered) {
    const std::string server_path = abstract("coronet-dgram-unnamed-");
    run([&]() -> Task<void> {
        UNIXDatagramSocket server =
            co_await create_unix_datagram_socket({.local_path = server_path});
        UNIXDatagramSocket unnamed = co_await create_unix_datagram_socket();
        EXPECT_EQ(unnamed.local_path(), "");
        co_await unnamed.sendto("from nowhere", server_path);
        auto packet = co_await server.receive();
        EXPECT_EQ(packet.data.str(), "from nowhere");
        EXPECT_EQ(packet.path, "");
        EXPECT_THROW(co_await server.sendto("reply", packet.path), std::invalid_argument);
    });
}

TEST(UNIXDatagramSocket, SendErrorsNameThePath) {
    TempDir dir;
    const std::string missing = dir.path + "/missing";
    run([&]() -> Task<void> {
        UNIXDatagramSocket s = co_await create_unix_datagram_socket();
        try {
            co_await s.sendto("x", missing);
            ADD_FAILURE() << "sent to a missing path";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ENOENT);
            EXPECT_EQ(e.address(), missing);
        }
        EXPECT_THROW(co_await s.sendto("x", std::string(200, 'p')), std::invalid_argument);
        EXPECT_THROW(UNIXDatagramSocket::from_socket(net::socket(AF_UNIX, SOCK_STREAM)),
                     std::invalid_argument);
    });
}

TEST(ConnectedUNIXDatagramSocket, AttributesAndExchange) {
    TempDir dir;
    const std::string server_path = dir.path + "/server";
    run([&]() -> Task<void> {
        UNIXDatagramSocket server =
            co_await create_unix_datagram_socket({.local_path = server_path});
        ConnectedUNIXDatagramSocket client = co_await create_connected_unix_datagram_socket(
            {.remote_path = server_path, .local_path = dir.path + "/client"});
        EXPECT_EQ(client.remote_path(), server_path);
        EXPECT_EQ(client.local_path(), dir.path + "/client");
        co_await client.send("Hi there!\n");
        auto packet = co_await server.receive();
        EXPECT_EQ(packet.data.str(), "Hi there!\n");
        co_await server.sendto("Hello", packet.path);
        EXPECT_EQ((co_await client.receive()).str(), "Hello");
        co_await client.aclose();
        EXPECT_EQ(client.remote_path(), server_path);
    });
}

TEST(ConnectedUNIXDatagramSocket, NothingThereIsOSError) {
    TempDir dir;
    const std::string none = dir.path + "/none";
    run([&]() -> Task<void> {
        try {
            co_await create_connected_unix_datagram_socket({.remote_path = none});
            ADD_FAILURE() << "connected to nothing";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ENOENT);
        }
        EXPECT_THROW(co_await create_connected_unix_datagram_socket({}), std::invalid_argument);
    });
}

TEST(ConnectedUNIXDatagramSocket, SenderWaitsWhileTheQueueIsFull) {
    const std::string server_path = abstract("coronet-dgram-full-");
    run([&]() -> Task<void> {
        UNIXDatagramSocket server =
            co_await create_unix_datagram_socket({.local_path = server_path});
        ConnectedUNIXDatagramSocket client =
            co_await create_connected_unix_datagram_socket({.remote_path = server_path});
        // Far more than the receive queue holds (10 by default): the sender's
        // task waits for room instead of failing or dropping.
        constexpr int kCount = 100;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                for (int i = 0; i < kCount; ++i)
                    co_await client.send(std::to_string(i));
            });
            for (int i = 0; i < 5; ++i)
                co_await checkpoint();  // let the sender fill the queue first
            for (int i = 0; i < kCount; ++i)
                EXPECT_EQ((co_await server.receive()).data.str(), std::to_string(i));
        });
    });
}

TEST(UNIXDatagramSocket, TypedAttributes) {
    const std::string path = abstract("coronet-dgram-attr-");
    run([&]() -> Task<void> {
        UNIXDatagramSocket server = co_await create_unix_datagram_socket({.local_path = path});
        ConnectedUNIXDatagramSocket client =
            co_await create_connected_unix_datagram_socket({.remote_path = path});
        EXPECT_EQ(server.extra<attr::family>(), AF_UNIX);
        EXPECT_EQ(server.extra<attr::local_address>(),
                  net::SocketAddress::unix_abstract(path.substr(1)));
        EXPECT_FALSE(server.try_extra<attr::local_port>());  // IP sockets only
        EXPECT_EQ(client.extra<attr::remote_address>(), server.local_address());
    });
}
