// Memory object streams: typed channels between tasks (AnyIO's memory object
// streams, Trio's memory channels).
//
//     auto [tx, rx] = create_memory_object_stream<std::string>(10);
//     tg.spawn([tx = std::move(tx)]() mutable -> Task<void> {
//         for (auto& name : names) co_await tx.send(name);
//     });                                   // tx's destructor closes it
//     while (auto name = co_await rx.next())    // nullopt once every sender closed
//         std::cout << *name << "\n";
//
// max_buffer_size is how many items wait in the stream before send() blocks:
// 0 (the default) makes every send a rendezvous with a receive, and
// kUnboundedBuffer (or, AnyIO's spelling, INFINITY) never blocks senders. A
// negative, NaN or fractional size is a std::invalid_argument naming it
// (integers are checked before they could wrap to a huge size_t).
//
// Rules (AnyIO/Trio):
// - Items arrive in order; blocked senders and receivers are served FIFO.
// - receive() raises EndOfStream once every send end is closed and the
//   buffer is drained; send() raises BrokenResourceError once every receive
//   end is closed (buffered items are then discarded).
// - Using an end after closing it is ClosedResourceError; closing an end
//   wakes the tasks blocked on that end with ClosedResourceError.
// - clone() makes another end sharing the stream; the stream stays open on
//   that side until every clone is closed. Destroying an end closes it.
// - Cancellation never loses or duplicates an item: a sender's item goes
//   straight to a waiting receiver, and a wait that already succeeded
//   returns its result even if its scope is cancelled before it runs (the
//   next await point raises). A send that raises Cancelled did not send.
// - send(), receive(), next() and aclose() are checkpoints.
//
// One loop per thread: the ends are not thread-safe.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/detail/memory_stream_state.hpp"
#include "coronet/runtime/sleep.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

// max_buffer_size for a stream whose senders never block.
inline constexpr std::size_t kUnboundedBuffer = std::numeric_limits<std::size_t>::max();

struct MemoryObjectStreamStatistics {
    std::size_t current_buffer_used = 0;
    std::size_t max_buffer_size = 0;  // kUnboundedBuffer when unbounded
    std::size_t open_send_streams = 0;
    std::size_t open_receive_streams = 0;
    std::size_t tasks_waiting_send = 0;
    std::size_t tasks_waiting_receive = 0;
};

template <class T>
class MemoryObjectSendStream;
template <class T>
class MemoryObjectReceiveStream;

// Creates a stream and returns its two ends.
template <class T, class Size = std::size_t>
requires std::is_arithmetic_v<Size>
    std::pair<MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>> create_memory_object_stream(
        Size max_buffer_size = 0);

namespace detail {

// What both ends share: the state, this end's identity, and closing.
template <class T>
class StreamEnd {
  public:
    StreamEnd(StreamEnd&& other) noexcept
        : state_(std::move(other.state_)),
          id_(std::exchange(other.id_, 0)),
          closed_(std::exchange(other.closed_, true)) {}

    bool closed() const noexcept { return closed_; }
    // Valid after close() too (Trio); ClosedResourceError on a moved-from end.
    MemoryObjectStreamStatistics statistics() const {
        if (!state_) throw_moved_from_stream("statistics");
        const auto& s = *state_;
        return {s.buffer.size(), s.max_buffer_size,     s.open_send,
                s.open_receive,  s.send_waiters.size(), s.receive_waiters.size()};
    }

  protected:
    using State = MemoryStreamState<T>;
    StreamEnd() noexcept = default;
    explicit StreamEnd(std::shared_ptr<State> state) noexcept
        : state_(std::move(state)), id_(state_->next_end_id++), closed_(false) {}
    ~StreamEnd() = default;
    StreamEnd& operator=(StreamEnd&& other) noexcept {
        state_ = std::move(other.state_);
        id_ = std::exchange(other.id_, 0);
        closed_ = std::exchange(other.closed_, true);
        return *this;
    }
    // The state for an operation on an open end, or the right error.
    State& open_state(const char* what) const {
        if (!state_) throw_moved_from_stream(what);
        if (closed_) throw_closed_stream(what);
        return *state_;
    }

    std::shared_ptr<State> state_;
    std::uint64_t id_ = 0;
    bool closed_ = true;
};

}  // namespace detail

template <class T>
class MemoryObjectSendStream : public detail::StreamEnd<T> {
    static_assert(std::is_move_constructible_v<T>, "stream items must be movable");
    using Base = detail::StreamEnd<T>;

  public:
    class SendAwaiter;

    // An end that is not attached to any stream (every operation raises).
    MemoryObjectSendStream() noexcept = default;
    MemoryObjectSendStream(MemoryObjectSendStream&&) noexcept = default;
    MemoryObjectSendStream& operator=(MemoryObjectSendStream&& other) noexcept {
        if (this != &other) {
            close();
            Base::operator=(std::move(other));
        }
        return *this;
    }
    ~MemoryObjectSendStream() { close(); }

    // Sends `item`, waiting for buffer space (or for a receiver, when
    // max_buffer_size is 0).
    SendAwaiter send(T item) { return SendAwaiter(*this, std::move(item)); }
    // Sends without waiting, or raises WouldBlock leaving `item` untouched.
    void send_nowait(T&& item) { send_now(item); }
    void send_nowait(const T& item) requires std::is_copy_constructible_v<T> {
        T copy(item);
        send_now(copy);
    }
    // Another send end on the same stream.
    MemoryObjectSendStream clone() const {
        return MemoryObjectSendStream(
            (this->open_state("MemoryObjectSendStream::clone"), this->state_));
    }
    // Closes this end (idempotent). Tasks blocked in send() on it raise
    // ClosedResourceError; when it was the last send end, receivers get
    // EndOfStream after the buffer.
    void close() noexcept {
        if (this->closed_ || !this->state_) return;
        this->closed_ = true;
        this->state_->close_send_end(this->id_);
    }
    // close(), then a checkpoint (Trio's aclose).
    Task<void> aclose() {
        close();
        co_await checkpoint();
    }

  private:
    template <class U, class Size>
    requires std::is_arithmetic_v<Size>
    friend std::pair<MemoryObjectSendStream<U>, MemoryObjectReceiveStream<U>>
        create_memory_object_stream(Size);

    explicit MemoryObjectSendStream(std::shared_ptr<typename Base::State> state) noexcept
        : Base(std::move(state)) {
        ++this->state_->open_send;
    }
    void send_now(T& item) {
        static constexpr const char* what = "MemoryObjectSendStream::send_nowait";
        if (!this->open_state(what).try_send(item, what)) detail::throw_stream_would_block(what);
    }
};

template <class T>
class MemoryObjectReceiveStream : public detail::StreamEnd<T> {
    using Base = detail::StreamEnd<T>;

  public:
    template <bool OrEnd>
    class ReceiveAwaiter;

    MemoryObjectReceiveStream() noexcept = default;
    MemoryObjectReceiveStream(MemoryObjectReceiveStream&&) noexcept = default;
    MemoryObjectReceiveStream& operator=(MemoryObjectReceiveStream&& other) noexcept {
        if (this != &other) {
            close();
            Base::operator=(std::move(other));
        }
        return *this;
    }
    ~MemoryObjectReceiveStream() { close(); }

    // The next item, waiting for one; EndOfStream once every sender closed
    // and the buffer is drained.
    ReceiveAwaiter<false> receive() noexcept { return ReceiveAwaiter<false>(*this); }
    // Same, but nullopt instead of EndOfStream: `while (auto x = co_await rx.next())`.
    ReceiveAwaiter<true> next() noexcept { return ReceiveAwaiter<true>(*this); }
    // The next item now; WouldBlock when there is none yet, EndOfStream at the end.
    T receive_nowait() {
        static constexpr const char* what = "MemoryObjectReceiveStream::receive_nowait";
        std::optional<T> item;
        switch (this->open_state(what).try_receive(item)) {
            case Base::State::Received::item:
                break;
            case Base::State::Received::end:
                detail::throw_end_of_stream();
            case Base::State::Received::would_block:
                detail::throw_stream_would_block(what);
        }
        return std::move(*item);
    }
    MemoryObjectReceiveStream clone() const {
        return MemoryObjectReceiveStream(
            (this->open_state("MemoryObjectReceiveStream::clone"), this->state_));
    }
    // Closes this end (idempotent). Tasks blocked in receive() on it raise
    // ClosedResourceError; when it was the last receive end, buffered items
    // are discarded and senders get BrokenResourceError.
    void close() noexcept {
        if (this->closed_ || !this->state_) return;
        this->closed_ = true;
        this->state_->close_receive_end(this->id_);
    }
    Task<void> aclose() {
        close();
        co_await checkpoint();
    }

  private:
    template <class U, class Size>
    requires std::is_arithmetic_v<Size>
    friend std::pair<MemoryObjectSendStream<U>, MemoryObjectReceiveStream<U>>
        create_memory_object_stream(Size);

    explicit MemoryObjectReceiveStream(std::shared_ptr<typename Base::State> state) noexcept
        : Base(std::move(state)) {
        ++this->state_->open_receive;
    }
};

// ---------------------------------------------------------------- internals

template <class T>
class MemoryObjectSendStream<T>::SendAwaiter : public detail::StreamWaiter<T> {
  public:
    SendAwaiter(MemoryObjectSendStream& end, T item) : end_(&end) {
        this->item.emplace(std::move(item));
    }
    bool await_ready() {
        static constexpr const char* what = "MemoryObjectSendStream::send";
        this->begin(what);
        state_ = &end_->open_state(what);
        this->end_id = end_->id_;
        return this->ready(state_->try_send(*this->item, what));
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
        this->suspend_in(state_->send_waiters, h);
    }
    void await_resume() const {
        this->throw_if_cancelled();
        if (this->outcome == detail::StreamOutcome::closed) {
            detail::throw_closed_stream("MemoryObjectSendStream::send");
        }
        if (this->outcome == detail::StreamOutcome::broken) {
            detail::throw_broken_stream("MemoryObjectSendStream::send");
        }
    }

  private:
    MemoryObjectSendStream* end_;
    typename Base::State* state_ = nullptr;
};

template <class T>
template <bool OrEnd>
class MemoryObjectReceiveStream<T>::ReceiveAwaiter : public detail::StreamWaiter<T> {
    static constexpr const char* what =
        OrEnd ? "MemoryObjectReceiveStream::next" : "MemoryObjectReceiveStream::receive";

  public:
    explicit ReceiveAwaiter(MemoryObjectReceiveStream& end) noexcept : end_(&end) {}
    bool await_ready() {
        this->begin(what);
        state_ = &end_->open_state(what);
        this->end_id = end_->id_;
        const auto got = state_->try_receive(this->item);
        if (got == Base::State::Received::end) this->outcome = detail::StreamOutcome::end_of_stream;
        return this->ready(got != Base::State::Received::would_block);
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
        this->suspend_in(state_->receive_waiters, h);
    }
    auto await_resume() -> std::conditional_t<OrEnd, std::optional<T>, T> {
        this->throw_if_cancelled();
        switch (this->outcome) {
            case detail::StreamOutcome::closed:
                detail::throw_closed_stream(what);
            case detail::StreamOutcome::end_of_stream:
                if constexpr (OrEnd) {
                    return std::nullopt;
                } else {
                    detail::throw_end_of_stream();
                }
            default:
                break;
        }
        return std::move(*this->item);
    }

  private:
    MemoryObjectReceiveStream* end_;
    typename Base::State* state_ = nullptr;
};

template <class T, class Size>
requires std::is_arithmetic_v<Size>
    std::pair<MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>> create_memory_object_stream(
        Size max_buffer_size) {
    auto state = std::make_shared<detail::MemoryStreamState<T>>(
        detail::checked_buffer_size(max_buffer_size));
    return {MemoryObjectSendStream<T>(state), MemoryObjectReceiveStream<T>(state)};
}

}  // namespace coronet
