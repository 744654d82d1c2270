#include "coronet/testing/memory_byte_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "coronet/runtime/event.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet::testing {
namespace detail {

// One direction: bytes written by one end, read by the other.
struct MemoryPipe {
    std::size_t max_buffer = 0;
    Bytes data;
    std::size_t start = 0;
    bool writer_done = false;    // send_eof() or aclose() by the writer
    bool reader_closed = false;  // aclose() by the reader
    bool receiving = false;
    bool sending = false;
    std::shared_ptr<Event> readable;
    std::shared_ptr<Event> writable;

    std::size_t size() const noexcept { return data.size() - start; }
    static void wake(std::shared_ptr<Event>& event) noexcept {
        if (event) event->set();
    }
    static Event::WaitAwaiter wait(std::shared_ptr<Event>& slot, std::shared_ptr<Event>& keep) {
        keep = std::make_shared<Event>();
        slot = keep;
        return keep->wait();
    }
};

}  // namespace detail

namespace {
struct ClearFlag {
    bool& flag;
    ~ClearFlag() { flag = false; }
};
}  // namespace

MemoryByteStream::MemoryByteStream(std::shared_ptr<detail::MemoryPipe> in,
                                   std::shared_ptr<detail::MemoryPipe> out) noexcept
    : in_(std::move(in)), out_(std::move(out)) {}

MemoryByteStream::~MemoryByteStream() {
    close_now();
}

std::size_t MemoryByteStream::buffered() const noexcept {
    return in_->size();
}

void MemoryByteStream::close_now() noexcept {
    if (closed_) return;
    closed_ = true;
    in_->reader_closed = true;
    out_->writer_done = true;
    detail::MemoryPipe::wake(in_->readable);
    detail::MemoryPipe::wake(in_->writable);
    detail::MemoryPipe::wake(out_->readable);
    detail::MemoryPipe::wake(out_->writable);
}

Task<void> MemoryByteStream::aclose() {
    close_now();
    co_await checkpoint();
}

Task<Bytes> MemoryByteStream::do_receive(std::size_t max_bytes) {
    if (max_bytes == 0) throw std::invalid_argument("receive: max_bytes must be at least 1");
    if (closed_) throw ClosedResourceError();
    detail::MemoryPipe& pipe = *in_;
    if (pipe.receiving) throw BusyResourceError("receiving");
    pipe.receiving = true;
    ClearFlag clear{pipe.receiving};
    co_await checkpoint();
    for (;;) {
        if (closed_) throw ClosedResourceError();
        if (pipe.size() > 0) {
            const std::size_t n = std::min(max_bytes, pipe.size());
            Bytes out(pipe.data.view().subview(pipe.start, n));
            pipe.start += n;
            if (pipe.start == pipe.data.size()) {
                pipe.data.clear();
                pipe.start = 0;
            }
            detail::MemoryPipe::wake(pipe.writable);
            co_return out;
        }
        if (pipe.writer_done) throw EndOfStream();
        std::shared_ptr<Event> keep;
        co_await detail::MemoryPipe::wait(pipe.readable, keep);
    }
}

Task<void> MemoryByteStream::do_send(BytesView data) {
    if (closed_) throw ClosedResourceError();
    detail::MemoryPipe& pipe = *out_;
    if (pipe.sending) throw BusyResourceError("sending");
    pipe.sending = true;
    ClearFlag clear{pipe.sending};
    co_await checkpoint();
    for (;;) {
        if (closed_) throw ClosedResourceError();
        if (pipe.writer_done) throw ClosedResourceError("send after send_eof()");
        if (pipe.reader_closed) throw BrokenResourceError("the peer closed the stream", EPIPE);
        if (data.empty()) co_return;
        const std::size_t room = pipe.max_buffer > pipe.size() ? pipe.max_buffer - pipe.size() : 0;
        if (room > 0) {
            const std::size_t n = std::min(room, data.size());
            if (pipe.start > 0 && pipe.start * 2 >= pipe.data.size()) {
                pipe.data.erase_front(pipe.start);
                pipe.start = 0;
            }
            pipe.data.append(data.subview(0, n));
            data = data.subview(n);
            detail::MemoryPipe::wake(pipe.readable);
            continue;
        }
        std::shared_ptr<Event> keep;
        co_await detail::MemoryPipe::wait(pipe.writable, keep);
    }
}

Task<void> MemoryByteStream::do_send_eof() {
    if (closed_) throw ClosedResourceError();
    out_->writer_done = true;
    detail::MemoryPipe::wake(out_->readable);
    co_return;
}

std::pair<std::unique_ptr<MemoryByteStream>, std::unique_ptr<MemoryByteStream>>
create_memory_byte_stream_pair(std::size_t max_buffer) {
    if (max_buffer == 0) throw std::invalid_argument("max_buffer must be at least 1");
    auto a_to_b = std::make_shared<detail::MemoryPipe>();
    auto b_to_a = std::make_shared<detail::MemoryPipe>();
    a_to_b->max_buffer = b_to_a->max_buffer = max_buffer;
    return {std::make_unique<MemoryByteStream>(b_to_a, a_to_b),
            std::make_unique<MemoryByteStream>(a_to_b, b_to_a)};
}

}  // namespace coronet::testing
