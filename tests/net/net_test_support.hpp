// Shared helpers for the net tests: the three address families every call is
// exercised on, connected pairs, and temporary files.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <coronet/coronet.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/net/socket_address.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

namespace net_test {

using coronet::Task;
using coronet::net::Socket;
using coronet::net::SocketAddress;

struct Family {
    int family;
    const char* name;
};

inline const Family kFamilies[] = {{AF_INET, "ipv4"}, {AF_INET6, "ipv6"}, {AF_UNIX, "unix"}};

inline std::string family_name(const ::testing::TestParamInfo<Family>& info) {
    return info.param.name;
}

// An address to bind a fresh socket to: port 0 on loopback, or a unique
// abstract UNIX name (no file to clean up).
inline SocketAddress any_address(int family) {
    static std::atomic<int> counter{0};
    switch (family) {
        case AF_INET:
            return SocketAddress::ipv4("127.0.0.1", 0);
        case AF_INET6:
            return SocketAddress::ipv6("::1", 0);
        default:
            return SocketAddress::unix_abstract("coronet-test-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(counter++));
    }
}

inline Task<Socket> listening_socket(int family, int backlog = 16) {
    Socket listener = coronet::net::socket(family, SOCK_STREAM);
    co_await listener.bind(any_address(family));
    listener.listen(backlog);
    co_return listener;
}

// {client, server} of one stream connection.
inline Task<std::pair<Socket, Socket>> connected_pair(int family) {
    Socket listener = co_await listening_socket(family);
    Socket client = coronet::net::socket(family, SOCK_STREAM);
    // Loopback connects complete through the backlog, before accept.
    co_await client.connect(listener.getsockname());
    auto accepted = co_await listener.accept();
    co_return std::pair{std::move(client), std::move(accepted.socket)};
}

// A bound datagram socket.
inline Task<Socket> datagram_socket(int family) {
    Socket s = coronet::net::socket(family, SOCK_DGRAM);
    co_await s.bind(any_address(family));
    co_return s;
}

// A temporary directory removed (with its files) at scope end.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/coronet-net-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// An unlinked temporary file holding `contents`, positioned at 0.
inline int temp_file_with(std::string_view contents) {
    char tmpl[] = "/tmp/coronet-net-file-XXXXXX";
    const int fd = ::mkostemp(tmpl, O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("mkostemp failed");
    ::unlink(tmpl);
    std::size_t done = 0;
    while (done < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n <= 0) throw std::runtime_error("write failed");
        done += static_cast<std::size_t>(n);
    }
    ::lseek(fd, 0, SEEK_SET);
    return fd;
}

}  // namespace net_test
