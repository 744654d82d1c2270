#include "coronet/net/sock_calls.hpp"

#include "coronet/net/socket_awaiters.hpp"

namespace coronet::net {

// Each wrapper is a coroutine of its own rather than returning the member's
// Task: its frame holds the by-value arguments (addresses) for the whole call.
Task<Bytes> sock_recv(Socket& sock, std::size_t nbytes) {
    co_return co_await sock.recv(nbytes);
}

Task<std::size_t> sock_recv_into(Socket& sock, std::span<std::byte> buffer) {
    co_return co_await sock.recv_into(buffer);
}

Task<void> sock_sendall(Socket& sock, BytesView data) {
    co_await SendAllAwaiter(sock, data);
}

Task<void> sock_connect(Socket& sock, SocketAddress address) {
    co_await sock.connect(std::move(address));
}

Task<Accepted> sock_accept(Socket& sock) {
    co_return co_await sock.accept();
}

Task<std::size_t> sock_sendto(Socket& sock, BytesView data, SocketAddress address) {
    co_return co_await sock.sendto(data, std::move(address));
}

Task<ReceivedFrom> sock_recvfrom(Socket& sock, std::size_t bufsize) {
    co_return co_await sock.recvfrom(bufsize);
}

Task<std::size_t> sock_sendfile(Socket& sock, int file_fd, std::uint64_t offset,
                                std::size_t count) {
    co_return co_await sock.sendfile(file_fd, offset, count);
}

}  // namespace coronet::net
