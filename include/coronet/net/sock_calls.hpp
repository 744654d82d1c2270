// asyncio's low-level socket calls (loop.sock_recv, sock_sendall, ...) as
// free functions over the same Socket object, for code ported from asyncio.
//
//     co_await sock_connect(sock, SocketAddress::parse("127.0.0.1:8080"));
//     co_await sock_sendall(sock, "GET / HTTP/1.0\r\n\r\n");
//     Bytes reply = co_await sock_recv(sock, 4096);
//
// They are thin wrappers: the same checkpoints, cancellation and errors as
// the Socket members. sock_sendall is the one with a loop of its own: it
// sends until every byte is gone (if it fails or is cancelled midway, how
// much the peer received is unknown, as asyncio warns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::net {

Task<Bytes> sock_recv(Socket& sock, std::size_t nbytes);
Task<std::size_t> sock_recv_into(Socket& sock, std::span<std::byte> buffer);
Task<void> sock_sendall(Socket& sock, BytesView data);
Task<void> sock_connect(Socket& sock, SocketAddress address);
Task<Accepted> sock_accept(Socket& sock);
Task<std::size_t> sock_sendto(Socket& sock, BytesView data, SocketAddress address);
Task<ReceivedFrom> sock_recvfrom(Socket& sock, std::size_t bufsize);
// Sends the file from `offset`, `count` bytes (SIZE_MAX: to its end); returns
// the bytes sent.
Task<std::size_t> sock_sendfile(Socket& sock, int file_fd, std::uint64_t offset = 0,
                                std::size_t count = SIZE_MAX);

}  // namespace coronet::net
