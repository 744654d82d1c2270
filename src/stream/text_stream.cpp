#include "coronet/stream/text_stream.hpp"

namespace coronet {
namespace {

[[noreturn]] void invalid_at(std::size_t offset) {
    throw UnicodeDecodeError("invalid UTF-8 at byte " + std::to_string(offset));
}

}  // namespace

std::size_t utf8_complete_prefix(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length;
        unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            invalid_at(i);
        }
        for (std::size_t k = 1; k < length; ++k) {
            if (i + k >= n) return i;  // incomplete so far, valid
            const unsigned char b = s[i + k];
            const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
            if (b < min || b > max) invalid_at(i);
        }
        i += length;
    }
    return i;
}

Task<std::string> TextReceiveStream::receive() {
    for (;;) {
        Bytes more;
        try {
            more = co_await stream_->receive();
        } catch (const EndOfStream&) {
            if (!pending_.empty()) {
                pending_.clear();
                throw UnicodeDecodeError("the stream ended inside a UTF-8 character");
            }
            throw;
        }
        pending_.append(more.str());
        const std::size_t complete = utf8_complete_prefix(pending_);
        if (complete == 0) continue;
        std::string out = pending_.substr(0, complete);
        pending_.erase(0, complete);
        co_return out;
    }
}

Task<void> TextSendStream::send(std::string_view text) {
    if (utf8_complete_prefix(text) != text.size()) {
        throw UnicodeDecodeError("send: the text ends inside a UTF-8 character");
    }
    co_await stream_->send(text);
}

}  // namespace coronet
