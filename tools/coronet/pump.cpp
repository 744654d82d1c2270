#include "pump.hpp"

namespace coronet::cli {

Task<bool> half_close(ByteStream& to) {
    const std::optional<std::string> version = to.try_extra<attr::tls_version>();
    if (version && *version == "TLSv1.2") co_return false;
    co_await to.send_eof();
    co_return true;
}

Task<std::uint64_t> copy_stream(ByteReceiveStream& from, ByteStream& to) {
    std::uint64_t total = 0;
    for (;;) {
        Bytes chunk;
        try {
            chunk = co_await from.receive();
        } catch (const EndOfStream&) {
            break;
        }
        total += chunk.size();
        co_await to.send(chunk);
    }
    co_await half_close(to);
    co_return total;
}

Task<std::uint64_t> copy_stdin(StdioFile& in, ByteStream& to) {
    std::uint64_t total = 0;
    while (auto chunk = co_await in.read()) {
        total += chunk->size();
        co_await to.send(*chunk);
    }
    co_await half_close(to);
    co_return total;
}

Task<std::uint64_t> copy_to_stdout(ByteStream& from, StdioFile& out) {
    std::uint64_t total = 0;
    for (;;) {
        Bytes chunk;
        try {
            chunk = co_await from.receive();
        } catch (const EndOfStream&) {
            break;
        }
        total += chunk.size();
        co_await out.write(chunk);
    }
    co_return total;
}

Task<void> stdio_session(StdioFile& in, StdioFile& out, ByteStream& stream) {
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await copy_stdin(in, stream); });
        co_await copy_to_stdout(stream, out);
    });
    co_await stream.aclose();
}

}  // namespace coronet::cli
