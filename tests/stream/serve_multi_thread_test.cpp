// Thread-per-core serving: run_multi with one SO_REUSEPORT listener per loop
// serves every connection exactly once, and stops cleanly.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <coronet/coronet.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// A port nobody else holds: bound (not listening) with SO_REUSEPORT, so the
// workers can join it; kept until they all listen.
struct ReservedPort {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = 0;
    ReservedPort() {
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
            port = ntohs(address.sin_port);
    }
    ~ReservedPort() { ::close(fd); }
};

// One blocking request: sends "<id>\n", returns the reply ("" on failure).
std::string request(int port, int id) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    timeval timeout{10, 0};  // a bound, never reached when all is well
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        std::string line = std::to_string(id);
        line += '\n';
        if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(line.size())) {
            char buffer[64];
            for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
                reply.append(buffer, n);
        }
    }
    ::close(fd);
    return reply;
}

}  // namespace

TEST(ServeMulti, ReusePortListenersServeEveryConnectionExactlyOnce) {
    constexpr unsigned kWorkers = 3;
    constexpr int kConnections = 300;
    ReservedPort reserved;
    ASSERT_NE(reserved.port, 0);
    std::atomic<unsigned> listening{0};
    std::mutex mutex;
    std::map<int, int> served;  // id -> times served
    std::thread client;
    std::atomic<int> good_replies{0};

    run_multi({.threads = kWorkers}, [&](LoopWorker worker) -> Task<void> {
        auto listener = co_await create_tcp_listener(
            {.local_host = "127.0.0.1", .local_port = reserved.port, .reuse_port = true});
        if (++listening == kWorkers) {
            // Every worker listens: run the clients from a plain thread,
            // then stop the group.
            client = std::thread([&, group = worker.group] {
                for (int id = 0; id < kConnections; ++id) {
                    const std::string reply = request(reserved.port, id);
                    if (reply.size() > 2 && reply.substr(2) == std::to_string(id) + "\n")
                        ++good_replies;
                }
                group->stop();
            });
        }
        const std::size_t index = worker.index;
        auto handle = [&, index](SocketStream stream) -> Task<void> {
            Bytes line = co_await stream.receive(64);
            std::string text(line.str());
            const int id = std::stoi(text);
            {
                std::lock_guard lock(mutex);
                ++served[id];
            }
            std::string reply = std::to_string(index);
            reply += ':';
            reply += text;
            co_await stream.send(reply);
            co_await stream.aclose();
        };
        co_await listener.serve(handle);
    });
    client.join();
    EXPECT_EQ(good_replies.load(), kConnections);
    EXPECT_EQ(served.size(), static_cast<std::size_t>(kConnections));
    for (const auto& [id, times] : served)
        EXPECT_EQ(times, 1) << "connection " << id;
}
