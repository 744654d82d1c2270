#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "coronet/net/file_descriptor.hpp"

namespace coronet::net {
namespace {

TEST(FileDescriptor, WriteWithoutSigpipeReportsEpipeInsteadOfASignal) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    FileDescriptor reader(fds[0]), writer(fds[1]);
    const std::byte data[3]{std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
    EXPECT_EQ(write_without_sigpipe(writer.get(), data, 3), 3);
    reader.reset();
    EXPECT_EQ(write_without_sigpipe(writer.get(), data, 3), -EPIPE);  // and we are still alive
}

}  // namespace
}  // namespace coronet::net
