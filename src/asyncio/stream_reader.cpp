#include "coronet/asyncio/stream_reader.hpp"

#include <stdexcept>
#include <string>

#include "asyncio/stream_state.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {

IncompleteReadError::IncompleteReadError(Bytes partial_bytes,
                                         std::optional<std::size_t> expected_count)
    : Error(std::to_string(partial_bytes.size()) + " bytes read on a total of " +
            (expected_count ? std::to_string(*expected_count) : std::string("undefined")) +
            " expected bytes"),
      partial(std::move(partial_bytes)),
      expected(expected_count) {}

LimitOverrunError::LimitOverrunError(std::string message, std::size_t consumed_count)
    : Error(std::move(message)), consumed(consumed_count) {}

namespace {

using detail::ReaderState;

std::shared_ptr<ReaderState> make_state(std::int64_t limit) {
    if (limit <= 0) {
        throw std::invalid_argument("StreamReader: limit must be > 0, got " +
                                    std::to_string(limit));
    }
    auto s = std::make_shared<ReaderState>();
    s->limit = static_cast<std::size_t>(limit);
    return s;
}

void check_error(const ReaderState& s) {
    if (s.error) std::rethrow_exception(s.error);
}

// Takes the first n buffered bytes, resuming the transport if we paused it
// and the buffer is back within the limit.
Bytes take(ReaderState& s, std::size_t n) {
    Bytes out(BytesView(s.buffer.data(), n));
    s.buffer.erase(0, n);
    if (s.paused && s.buffer.size() <= s.limit && s.transport) {
        s.paused = false;
        s.transport->resume_reading();
    }
    return out;
}

Task<void> wait_for_data(std::shared_ptr<ReaderState> s, const char* what) {
    if (s->waiter) {
        throw std::logic_error(std::string("StreamReader.") + what +
                               "() called while another task is already waiting for data");
    }
    if (s->paused && s->transport) {
        s->paused = false;
        s->transport->resume_reading();
    }
    Future<void> f(Loop::current());
    s->waiter = f;
    try {
        co_await f;
    } catch (...) {
        s->waiter.reset();
        throw;
    }
    s->waiter.reset();
}

}  // namespace

StreamReader::StreamReader(std::int64_t limit) : state_(make_state(limit)) {}
StreamReader::StreamReader(std::shared_ptr<detail::ReaderState> state) noexcept
    : state_(std::move(state)) {}

bool StreamReader::at_eof() const noexcept {
    return state_->eof && state_->buffer.empty();
}
std::exception_ptr StreamReader::exception() const noexcept {
    return state_->error;
}
std::size_t StreamReader::limit() const noexcept {
    return state_->limit;
}
std::size_t StreamReader::buffered() const noexcept {
    return state_->buffer.size();
}
void StreamReader::set_transport(ReadTransport* transport) {
    state_->transport = transport;
}

void StreamReader::feed_data(BytesView data) {
    ReaderState& s = *state_;
    if (s.eof) throw std::logic_error("StreamReader.feed_data() after feed_eof()");
    if (data.empty()) return;
    s.buffer.append(data.str());
    s.wake();
    if (s.transport && !s.paused && s.buffer.size() > 2 * s.limit) {
        s.transport->pause_reading();
        s.paused = s.transport->is_closing() ? false : true;
    }
}

void StreamReader::feed_eof() {
    state_->eof = true;
    state_->wake();
}

void StreamReader::set_exception(std::exception_ptr exc) {
    state_->error = std::move(exc);
    state_->wake();
}

Task<Bytes> StreamReader::read(std::int64_t n) {
    auto s = state_;
    check_error(*s);
    if (n == 0) co_return Bytes{};
    if (n < 0) {
        // Block by block, so that the transport is never left paused.
        Bytes all;
        while (true) {
            Bytes block = co_await read(static_cast<std::int64_t>(s->limit));
            if (block.size() == 0) break;
            all.append(block);
        }
        co_return all;
    }
    if (s->buffer.empty() && !s->eof) co_await wait_for_data(s, "read");
    check_error(*s);
    co_return take(*s, std::min<std::size_t>(static_cast<std::size_t>(n), s->buffer.size()));
}

Task<Bytes> StreamReader::readexactly(std::int64_t n) {
    if (n < 0) {
        throw std::invalid_argument("StreamReader.readexactly: n must be >= 0, got " +
                                    std::to_string(n));
    }
    auto s = state_;
    check_error(*s);
    const auto want = static_cast<std::size_t>(n);
    while (s->buffer.size() < want) {
        if (s->eof) {
            Bytes partial = take(*s, s->buffer.size());
            throw IncompleteReadError(std::move(partial), want);
        }
        co_await wait_for_data(s, "readexactly");
        check_error(*s);
    }
    co_return take(*s, want);
}

Task<Bytes> StreamReader::readuntil(BytesView separator) {
    if (separator.empty()) {
        throw std::invalid_argument("StreamReader.readuntil: the separator must not be empty");
    }
    const std::string sep(separator.str());  // the view's owner may not outlive a wait
    auto s = state_;
    check_error(*s);
    std::size_t offset = 0;
    std::size_t found = std::string::npos;
    while (true) {
        if (s->buffer.size() >= offset + sep.size()) {
            found = s->buffer.find(sep, offset);
            if (found != std::string::npos) break;
            offset = s->buffer.size() + 1 - sep.size();
            if (offset > s->limit) {
                throw LimitOverrunError("Separator is not found, and chunk exceed the limit",
                                        offset);
            }
        }
        if (s->eof) {
            Bytes chunk = take(*s, s->buffer.size());
            throw IncompleteReadError(std::move(chunk), std::nullopt);
        }
        co_await wait_for_data(s, "readuntil");
        check_error(*s);
    }
    if (found > s->limit) {
        throw LimitOverrunError("Separator is found, but chunk is longer than limit", found);
    }
    co_return take(*s, found + sep.size());
}

Task<Bytes> StreamReader::readline() {
    auto s = state_;
    try {
        co_return co_await readuntil("\n");
    } catch (IncompleteReadError& e) {
        co_return std::move(e.partial);
    } catch (const LimitOverrunError& e) {
        if (s->buffer.compare(e.consumed, 1, "\n") == 0) {
            take(*s, e.consumed + 1);
        } else {
            take(*s, s->buffer.size());
        }
        throw;
    }
}

}  // namespace coronet::asyncio
