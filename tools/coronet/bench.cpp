#include "bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "cli_error.hpp"
#include "endpoints.hpp"
#include "pump.hpp"

namespace coronet::cli {

namespace {

using Seconds = std::chrono::duration<double>;
using namespace std::chrono_literals;

constexpr Duration kStopGrace = 2s;

Duration to_duration(double seconds) {
    return std::chrono::duration_cast<Duration>(Seconds(seconds));
}

struct Shared {
    const BenchOptions& options;
    BenchStats stats;
    bool measuring = false;
    bool stopping = false;
    TimePoint stopped_at{};  // finish the batch in flight, half-close, drain
    std::uint64_t batches = 0;
    // Every batch is a window into this, at a shifting offset, so that
    // consecutive batches differ and a stale or misplaced byte is caught.
    Bytes pattern;
    std::exception_ptr first_error;
};

void note_error(Shared& shared, std::exception_ptr error) {
    ++shared.stats.errors;
    if (!shared.first_error) shared.first_error = error;
    if (shared.stats.error_messages.size() < 5) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            shared.stats.error_messages.emplace_back(e.what());
        } catch (...) {
            shared.stats.error_messages.emplace_back("unknown error");
        }
    }
}

Task<void> run_connection(Shared& shared, ByteStream& stream) {
    const std::size_t size = shared.options.size;
    const std::size_t batch_bytes = size * static_cast<std::size_t>(shared.options.pipeline);
    while (!shared.stopping) {
        const std::size_t offset = (shared.batches++ % 251);
        const BytesView batch = BytesView(shared.pattern).subview(offset, batch_bytes);
        const TimePoint sent = current_time();
        co_await stream.send(batch);
        std::size_t received = 0;
        while (received < batch_bytes) {
            Bytes chunk = co_await stream.receive(batch_bytes - received);
            if (std::memcmp(chunk.data(), batch.data() + received, chunk.size()) != 0) {
                throw BrokenResourceError("echoed bytes differ from the bytes sent (at offset " +
                                          std::to_string(received) + " of a batch)");
            }
            const std::size_t before = received / size;
            received += chunk.size();
            const std::size_t completed = received / size - before;
            if (completed == 0 || !shared.measuring) continue;
            const auto latency =
                std::chrono::duration_cast<std::chrono::nanoseconds>(current_time() - sent);
            for (std::size_t i = 0; i < completed; ++i)
                shared.stats.latency.record(static_cast<std::uint64_t>(latency.count()));
            shared.stats.requests += completed;
        }
        if (shared.measuring) shared.stats.bytes += batch_bytes;
    }
    // Ending politely: a close with echoed bytes still unread would make the
    // server's kernel reset the connection, which servers log as errors.
    // (TLS 1.2 cannot half-close: its close_notify, sent by aclose, ends both.)
    if (!co_await half_close(stream)) co_return;
    try {
        for (;;)
            co_await stream.receive();
    } catch (const EndOfStream&) {
    }
}

// Opens one connection into `slot`; a failure is counted, not raised.
Task<void> open_connection(Shared& shared, StreamPtr& slot) {
    try {
        slot = co_await connect_stream(shared.options.url, shared.options.tls);
    } catch (const Cancelled&) {
        throw;
    } catch (...) {
        note_error(shared, std::current_exception());
    }
}

Task<void> connection_task(Shared& shared, StreamPtr stream) {
    ++shared.stats.connections_open;
    try {
        co_await run_connection(shared, *stream);
    } catch (const Cancelled&) {
        --shared.stats.connections_open;
        throw;
    } catch (...) {
        note_error(shared, std::current_exception());
    }
    --shared.stats.connections_open;
    co_await stream->aclose();
}

}  // namespace

void validate(const BenchOptions& options) {
    if (!options.url.is_stream()) {
        throw UsageError("bench measures byte streams; " + options.url.text +
                         " is a datagram URL (use tcp://, tls:// or unix:)");
    }
    require_connectable(options.url);
    if (options.connections < 1 || options.connections > 10000) {
        throw UsageError("connections must be 1..10000");
    }
    if (options.size < 1 || options.size > (64u << 20))
        throw UsageError("size must be 1 B..64 MiB");
    if (options.pipeline < 1 || options.pipeline > 4096)
        throw UsageError("pipeline must be 1..4096");
    if (options.size * static_cast<std::size_t>(options.pipeline) > (256u << 20)) {
        throw UsageError("size x pipeline must stay within 256 MiB");
    }
    if (options.duration <= 0) throw UsageError("duration must be above 0");
}

Task<BenchStats> run_bench(BenchOptions options, BenchProgress progress, double progress_interval,
                           Event* stop) {
    validate(options);
    Shared shared{options, {}, false, false, {}, 0, {}, nullptr};
    const std::size_t pattern_size =
        options.size * static_cast<std::size_t>(options.pipeline) + 256;
    shared.pattern.resize_uninitialized(pattern_size);
    for (std::size_t i = 0; i < pattern_size; ++i)
        shared.pattern.data()[i] = static_cast<std::byte>((i * 131 + (i >> 8) * 7) & 0xff);

    // Connect first, so that connecting is neither measured nor warm-up,
    // and a target that refuses everyone fails at once.
    std::vector<StreamPtr> streams(static_cast<std::size_t>(options.connections));
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        for (StreamPtr& slot : streams)
            tg.spawn(open_connection(shared, slot));
        co_return;
    });
    if (shared.first_error && std::none_of(streams.begin(), streams.end(),
                                           [](const StreamPtr& s) { return s != nullptr; })) {
        std::rethrow_exception(shared.first_error);
    }

    const TimePoint start = current_time();
    const TimePoint measure_from = start + to_duration(options.warmup);
    const TimePoint measure_until = measure_from + to_duration(options.duration);
    if (options.warmup <= 0) shared.measuring = true;

    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        // The clock: turns measuring on after the warm-up, reports
        // progress, and ends the run.
        tg.spawn([&]() -> Task<void> {
            const Duration tick = to_duration(std::max(progress_interval, 0.05));
            for (;;) {
                const TimePoint now = current_time();
                if (!shared.measuring && now >= measure_from) shared.measuring = true;
                shared.stats.warming_up = !shared.measuring;
                shared.stats.seconds =
                    shared.measuring
                        ? std::chrono::duration<double>(std::min(now, measure_until) - measure_from)
                              .count()
                        : 0;
                if (now >= measure_until || (stop && stop->is_set())) {
                    shared.stopped_at = std::min(now, measure_until);
                    break;
                }
                // Not at the very start (nothing to show yet), nor in the
                // instant measuring begins (no rate yet).
                if (progress && now > start &&
                    (shared.stats.warming_up || shared.stats.seconds >= 0.05)) {
                    progress(shared.stats);
                }
                const TimePoint next =
                    std::min(now + tick, now < measure_from ? measure_from : measure_until);
                if (stop) {
                    co_await move_on_after(next - now, stop->wait());
                } else {
                    co_await sleep(next - now);
                }
            }
            // Let the connections finish their batches, then stop waiting.
            shared.measuring = false;
            shared.stopping = true;
            co_await sleep(kStopGrace);
            tg.cancel_scope().cancel();
        });
        co_await with_task_group([&](TaskGroup& workers) -> Task<void> {
            for (StreamPtr& stream : streams) {
                if (stream) workers.spawn(connection_task(shared, std::move(stream)));
            }
            co_return;
        });
        // Every connection ended on its own (errors): stop the clock too.
        tg.cancel_scope().cancel();
    });
    // The workers may all have failed before the clock stopped.
    const TimePoint end =
        shared.stopping ? shared.stopped_at : std::min(current_time(), measure_until);
    shared.stats.seconds =
        end > measure_from ? std::chrono::duration<double>(end - measure_from).count() : 0;
    shared.stats.warming_up = false;
    // Nothing measured because nothing worked: that is the command's error.
    if (shared.stats.requests == 0 && shared.first_error &&
        shared.stats.errors >= static_cast<std::uint64_t>(options.connections)) {
        std::rethrow_exception(shared.first_error);
    }
    co_return shared.stats;
}

}  // namespace coronet::cli
