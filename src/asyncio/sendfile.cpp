#include "coronet/asyncio/sendfile.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet::asyncio {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr int kDrainTurns = 4;

void check_open(WriteTransport& transport) {
    if (transport.is_closing()) throw ClosedResourceError("sendfile: the transport is closing");
}

Task<std::size_t> sendfile_fallback(WriteTransport& transport, int file_fd, std::uint64_t offset,
                                    std::size_t count) {
    Bytes chunk;
    std::size_t total = 0;
    while (total < count) {
        const std::size_t want = std::min(kChunk, count - total);
        chunk.resize(want);
        const ssize_t n = ::pread(file_fd, chunk.data(), want, static_cast<off_t>(offset + total));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_os_error(errno, "sendfile: pread", "fd " + std::to_string(file_fd));
        }
        if (n == 0) break;  // end of file
        check_open(transport);
        transport.write(BytesView(chunk.data(), std::size_t(n)));
        total += std::size_t(n);
        while (transport.get_write_buffer_size() > transport.get_write_buffer_limits().first) {
            check_open(transport);
            co_await sleep(std::chrono::milliseconds(1));
        }
    }
    co_return total;
}

}  // namespace

Task<std::size_t> sendfile(WriteTransport& transport, int file_fd, std::uint64_t offset,
                           std::optional<std::size_t> count) {
    struct stat st {};
    if (file_fd < 0 || ::fstat(file_fd, &st) < 0) {
        throw_os_error(file_fd < 0 ? EBADF : errno, "sendfile", "fd " + std::to_string(file_fd));
    }
    check_open(transport);
    const std::size_t want = count.value_or(SIZE_MAX);
    if (want == 0) co_return 0;
    // A small write just before (a header) may still be queued for the
    // loop's next submission (io_uring): a few turns send it, and the file
    // still takes the zero-copy path. asyncio waits for an empty buffer too.
    for (int turn = 0; turn < kDrainTurns && transport.get_write_buffer_size() > 0; ++turn) {
        co_await checkpoint();
        check_open(transport);
    }
    // A TLS transport reports the socket under it, but the file must go
    // through the encryption: asyncio never sends a file raw over SSL either.
    const bool encrypted = transport.get_extra_info("ssl_object").has_value();
    std::any sock = transport.get_extra_info("socket");
    if (auto* const* s = std::any_cast<net::Socket*>(&sock);
        s && *s && !encrypted && transport.get_write_buffer_size() == 0 && S_ISREG(st.st_mode)) {
        co_return co_await (*s)->sendfile(file_fd, offset, want);
    }
    co_return co_await sendfile_fallback(transport, file_fd, offset, want);
}

}  // namespace coronet::asyncio
