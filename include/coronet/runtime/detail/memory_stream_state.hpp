// The state shared by the ends of one memory object stream, and the waiters
// its blocked senders and receivers park with. Not part of the public API.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <type_traits>

#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet::detail {

// Why a parked sender or receiver was woken without (only) an item.
enum class StreamOutcome : std::uint8_t {
    none,           // normal: item handed over / item taken
    closed,         // the end it waited on was closed (ClosedResourceError)
    broken,         // every receive end closed (BrokenResourceError)
    end_of_stream,  // every send end closed and the buffer is empty (EndOfStream)
};

// The errors, out of line: one message each, shared by every T.
[[noreturn]] void throw_closed_stream(const char* what);
[[noreturn]] void throw_moved_from_stream(const char* what);
[[noreturn]] void throw_broken_stream(const char* what);
[[noreturn]] void throw_end_of_stream();
[[noreturn]] void throw_stream_would_block(const char* what);
[[noreturn]] void throw_negative_buffer_size(long long value);
std::size_t checked_float_buffer_size(long double value);

template <class N>
std::size_t checked_buffer_size(N value) {
    static_assert(!std::is_same_v<N, bool>, "max_buffer_size must be a number, not a bool");
    if constexpr (std::is_floating_point_v<N>) {
        return checked_float_buffer_size(static_cast<long double>(value));
    } else if constexpr (std::is_signed_v<N>) {
        if (value < 0) throw_negative_buffer_size(static_cast<long long>(value));
        return static_cast<std::size_t>(value);
    } else {
        static_assert(sizeof(N) <= sizeof(std::size_t));
        return static_cast<std::size_t>(value);
    }
}

template <class T>
struct StreamWaiter : ParkingAwaiter {
    std::optional<T> item;  // sender: the item to give; receiver: the item received
    StreamOutcome outcome = StreamOutcome::none;
    std::uint64_t end_id = 0;  // which clone it waits on (closing a clone wakes its own)
};

template <class T>
struct MemoryStreamState {
    explicit MemoryStreamState(std::size_t max) noexcept : max_buffer_size(max) {}

    std::size_t max_buffer_size;
    std::deque<T> buffer;
    ParkingLot send_waiters;     // of StreamWaiter<T>, each holding its item
    ParkingLot receive_waiters;  // of StreamWaiter<T>; only while the buffer is empty
    std::size_t open_send = 0;
    std::size_t open_receive = 0;
    std::uint64_t next_end_id = 1;

    static StreamWaiter<T>& waiter(ParkingLotWaiter& w) noexcept {
        // Both lots hold only StreamWaiter<T>s (the send and receive awaiters).
        return static_cast<StreamWaiter<T>&>(w);
    }

    // Delivers `item` (moving from it) if that needs no waiting; false if it
    // would block, with `item` untouched.
    bool try_send(T& item, const char* what) {
        if (open_receive == 0) throw_broken_stream(what);
        if (ParkingLotWaiter* w = receive_waiters.front()) {
            // Hand it straight to the oldest receiver (Trio): once unparked,
            // its cancellation can no longer interrupt it, so the item is
            // received, never dropped.
            waiter(*w).item.emplace(std::move(item));
            receive_waiters.unpark(*w);
            return true;
        }
        if (buffer.size() < max_buffer_size) {
            buffer.push_back(std::move(item));
            return true;
        }
        return false;
    }

    enum class Received : std::uint8_t { item, would_block, end };

    // Takes the next item into `out` if there is one now.
    Received try_receive(std::optional<T>& out) {
        if (ParkingLotWaiter* w = send_waiters.front()) {
            // A blocked sender's item goes behind what is buffered (FIFO);
            // its send succeeds the moment the item leaves its hands.
            StreamWaiter<T>& sender = waiter(*w);
            if (buffer.empty()) {
                out.emplace(std::move(*sender.item));
                send_waiters.unpark(sender);
                return Received::item;
            }
            buffer.push_back(std::move(*sender.item));
            send_waiters.unpark(sender);
        }
        if (!buffer.empty()) {
            out.emplace(std::move(buffer.front()));
            buffer.pop_front();
            return Received::item;
        }
        return open_send == 0 ? Received::end : Received::would_block;
    }

    // Wakes the waiters in `lot` (all, or those of clone `end_id`) with `outcome`.
    static void wake(ParkingLot& lot, StreamOutcome outcome, std::uint64_t end_id = 0) noexcept {
        for (ParkingLotWaiter* w = lot.front(); w;) {
            ParkingLotWaiter* next = w->next();
            if (end_id == 0 || waiter(*w).end_id == end_id) {
                waiter(*w).outcome = outcome;
                lot.unpark(*w);
            }
            w = next;
        }
    }

    void close_send_end(std::uint64_t id) noexcept {
        wake(send_waiters, StreamOutcome::closed, id);
        // The last sender gone: receivers waiting (so the buffer is empty) end.
        if (--open_send == 0) wake(receive_waiters, StreamOutcome::end_of_stream);
    }

    void close_receive_end(std::uint64_t id) noexcept {
        wake(receive_waiters, StreamOutcome::closed, id);
        if (--open_receive == 0) {
            // Nobody can ever receive: blocked senders fail, buffered items go.
            wake(send_waiters, StreamOutcome::broken);
            buffer.clear();
        }
    }
};

}  // namespace coronet::detail
