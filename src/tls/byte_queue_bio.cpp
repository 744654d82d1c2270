#include "tls/byte_queue_bio.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace coronet::tls_detail {

namespace {

struct Queue {
    Bytes buffer;
    std::size_t head = 0;  // bytes before it were read already

    std::size_t size() const noexcept { return buffer.size() - head; }
    // Read space is given back when the queue empties, or once the read part
    // is large and at least half the buffer (so a queue that never drains
    // cannot grow without bound, and the moves stay amortised).
    void consumed(std::size_t n) noexcept {
        head += n;
        if (head == buffer.size()) {
            buffer.clear();
            head = 0;
        } else if (head >= (64u << 10) && head * 2 >= buffer.size()) {
            buffer.erase_front(head);
            head = 0;
        }
    }
};

Queue* queue_of(BIO* bio) {
    return static_cast<Queue*>(BIO_get_data(bio));
}

int queue_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    if (size <= 0) return 0;
    try {
        queue_of(bio)->buffer.append(BytesView(data, static_cast<std::size_t>(size)));
    } catch (const std::bad_alloc&) {
        return -1;
    }
    return size;
}

int queue_read(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    Queue& q = *queue_of(bio);
    if (size <= 0) return 0;
    if (q.size() == 0) {
        BIO_set_retry_read(bio);  // as an empty memory BIO: "want more input"
        return -1;
    }
    const std::size_t n = std::min(q.size(), static_cast<std::size_t>(size));
    std::memcpy(out, q.buffer.data() + q.head, n);
    q.consumed(n);
    return static_cast<int>(n);
}

long queue_ctrl(BIO* bio, int cmd, long, void*) {
    Queue& q = *queue_of(bio);
    switch (cmd) {
        case BIO_CTRL_PENDING:
            return static_cast<long>(q.size());
        case BIO_CTRL_EOF:
            return q.size() == 0 ? 1 : 0;
        case BIO_CTRL_RESET:
            q.buffer.clear();
            q.head = 0;
            return 1;
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_WPENDING:
        default:
            return 0;
    }
}

int queue_create(BIO* bio) {
    auto* q = new (std::nothrow) Queue;
    if (!q) return 0;
    BIO_set_data(bio, q);
    BIO_set_init(bio, 1);
    return 1;
}

int queue_destroy(BIO* bio) {
    if (!bio) return 0;
    delete queue_of(bio);
    BIO_set_data(bio, nullptr);
    BIO_set_init(bio, 0);
    return 1;
}

BIO_METHOD* make_method() {
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOURCE_SINK | BIO_get_new_index(), "coronet byte queue");
    if (!m) throw std::bad_alloc();
    BIO_meth_set_write(m, queue_write);
    BIO_meth_set_read(m, queue_read);
    BIO_meth_set_ctrl(m, queue_ctrl);
    BIO_meth_set_create(m, queue_create);
    BIO_meth_set_destroy(m, queue_destroy);
    return m;
}

}  // namespace

BIO* new_byte_queue_bio() {
    // Made once, kept for the life of the process (as OpenSSL's own methods are).
    static BIO_METHOD* const method = make_method();
    BIO* bio = BIO_new(method);
    if (!bio) throw std::bad_alloc();
    return bio;
}

void give_to_byte_queue(BIO* bio, Bytes&& data) {
    Queue& q = *queue_of(bio);
    if (q.size() == 0) {
        q.buffer = std::move(data);
        q.head = 0;
    } else {
        q.buffer.append(data);
    }
}

Bytes take_from_byte_queue(BIO* bio, std::size_t max_bytes) {
    Queue& q = *queue_of(bio);
    const std::size_t n = std::min(max_bytes, q.size());
    if (n == 0) return {};
    if (q.head == 0 && n == q.buffer.size()) return std::exchange(q.buffer, Bytes());
    Bytes out(BytesView(q.buffer.data() + q.head, n));
    q.consumed(n);
    return out;
}

}  // namespace coronet::tls_detail
