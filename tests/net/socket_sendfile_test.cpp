// Socket::sendfile: a large file (50 MiB × CORONET_TEST_SCALE) arrives intact
// over each family; offsets, counts and end of file are honoured.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/net/file_descriptor.hpp>
#include <coronet/net/sock_calls.hpp>
#include <coronet/net/socket.hpp>
#include <cstdlib>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;

namespace {

double test_scale() {
    const char* value = std::getenv("CORONET_TEST_SCALE");
    const double scale = value ? std::atof(value) : 1.0;
    return scale > 0 ? scale : 1.0;
}

std::byte pattern(std::size_t i) {
    return static_cast<std::byte>((i * 131) ^ (i >> 11));
}

FileDescriptor pattern_file(std::size_t size) {
    std::string contents(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        contents[i] = static_cast<char>(pattern(i));
    return FileDescriptor(net_test::temp_file_with(contents));
}

// Receives until EOF, checking every byte against pattern(offset + i).
Task<std::size_t> receive_pattern(Socket& in, std::size_t offset, std::size_t& mismatches) {
    std::size_t received = 0;
    for (;;) {
        Bytes chunk = co_await in.recv(65536);
        if (chunk.empty()) co_return received;
        for (std::size_t i = 0; i < chunk.size(); ++i)
            if (chunk[i] != pattern(offset + received + i)) ++mismatches;
        received += chunk.size();
    }
}

class Sendfile : public ::testing::TestWithParam<net_test::Family> {};

}  // namespace

TEST_P(Sendfile, LargeFileArrivesIntact) {
    const auto size = static_cast<std::size_t>(50.0 * 1024 * 1024 * test_scale());
    FileDescriptor file = pattern_file(size);
    run([&]() -> Task<void> {
        auto [a, b] = co_await net_test::connected_pair(GetParam().family);
        std::size_t mismatches = 0, received = 0, sent = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                sent = co_await a.sendfile(file.get());
                a.shutdown(SHUT_WR);
            });
            received = co_await receive_pattern(b, 0, mismatches);
        });
        EXPECT_EQ(sent, size);
        EXPECT_EQ(received, size);
        EXPECT_EQ(mismatches, 0u);
    });
}

TEST_P(Sendfile, OffsetCountAndEndOfFile) {
    FileDescriptor file = pattern_file(100000);
    run([&]() -> Task<void> {
        auto [a, b] = co_await net_test::connected_pair(GetParam().family);
        std::size_t mismatches = 0, received = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                EXPECT_EQ(co_await sock_sendfile(a, file.get(), 1000, 5000), 5000u);
                a.shutdown(SHUT_WR);
            });
            received = co_await receive_pattern(b, 1000, mismatches);
        });
        EXPECT_EQ(received, 5000u);
        EXPECT_EQ(mismatches, 0u);

        auto [c, d] = co_await net_test::connected_pair(GetParam().family);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                // Asks for more than the file has: stops at its end.
                EXPECT_EQ(co_await c.sendfile(file.get(), 99000, 50000), 1000u);
                EXPECT_EQ(co_await c.sendfile(file.get(), 100000, 10), 0u);
                c.shutdown(SHUT_WR);
            });
            received = co_await receive_pattern(d, 99000, mismatches);
        });
        EXPECT_EQ(received, 1000u);
        EXPECT_EQ(mismatches, 0u);
        // The file's own offset is untouched (sendfile uses its own).
        EXPECT_EQ(::lseek(file.get(), 0, SEEK_CUR), 0);
    });
}

TEST(SendfileErrors, NotAFileIsAnOSError) {
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        try {
            (void)co_await a.sendfile(-1);
            ADD_FAILURE() << "sendfile succeeded";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EBADF);
            EXPECT_EQ(e.operation(), "sendfile");
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Families, Sendfile, ::testing::ValuesIn(net_test::kFamilies),
                         net_test::family_name);
