// PipeSendStream / PipeReceiveStream: the two ends of a pipe as byte
// streams. They are what a child process's stdin, stdout and stderr are
// (coronet/stream/process.hpp), and work on any pipe or FIFO fd.
//
//     co_await process.stdin().send("hello\n");
//     co_await process.stdin().aclose();              // the child reads EOF
//     Bytes line = co_await process.stdout().receive();  // EndOfStream at EOF
//
// The fd is made non-blocking and is read and written directly; when it
// would block, the stream waits for it through the runtime's fd waits
// (coronet/runtime/fd_wait.hpp), so both backends behave the same.
//
// The byte-stream contract (coronet/stream/byte_stream.hpp) holds:
//  * receive raises EndOfStream once every writer has closed its end;
//  * send raises BrokenResourceError (errno EPIPE) once every reader has
//    closed its end. No SIGPIPE reaches the process: SIGPIPE is blocked in
//    the calling thread around each write, and the one a failed write raised
//    is consumed before the mask is restored;
//  * ClosedResourceError after our own aclose(), also for a task waiting in
//    receive/send when it ran; BusyResourceError for a second concurrent
//    receiver (or sender);
//  * a cancelled receive consumes nothing; a cancelled send may have written
//    a prefix of its data.
// A pipe has no half-close of its own: PipeSendStream::send_eof() is aclose().
//
// Moving a stream while a task uses it is not allowed (the task keeps the
// old address), as for every stream.
#pragma once

#include <cstddef>

#include "coronet/base/bytes.hpp"
#include "coronet/net/file_descriptor.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet {

class PipeReceiveStream : public ByteReceiveStream {
  public:
    // Takes over the read end of a pipe (set non-blocking here). OSError
    // (EBADF) for an invalid fd.
    explicit PipeReceiveStream(net::FileDescriptor fd);
    PipeReceiveStream(PipeReceiveStream&& other) noexcept;
    PipeReceiveStream& operator=(PipeReceiveStream&& other) noexcept;
    ~PipeReceiveStream() override;

    Task<void> aclose() override;
    bool is_closed() const noexcept { return fd_ < 0; }
    // The fd, or -1 once closed. Still owned by the stream.
    int fileno() const noexcept { return fd_; }

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;

  private:
    void close() noexcept;
    int fd_ = -1;
    bool receiving_ = false;
};

class PipeSendStream : public ByteSendStream {
  public:
    // Takes over the write end of a pipe (set non-blocking here). OSError
    // (EBADF) for an invalid fd.
    explicit PipeSendStream(net::FileDescriptor fd);
    PipeSendStream(PipeSendStream&& other) noexcept;
    PipeSendStream& operator=(PipeSendStream&& other) noexcept;
    ~PipeSendStream() override;

    // Closing is the pipe's only way to signal EOF to the reader.
    Task<void> send_eof() { return aclose(); }
    Task<void> aclose() override;
    bool is_closed() const noexcept { return fd_ < 0; }
    int fileno() const noexcept { return fd_; }

  protected:
    Task<void> do_send(BytesView data) override;

  private:
    void close() noexcept;
    int fd_ = -1;
    bool sending_ = false;
};

}  // namespace coronet
