// An OpenSSL BIO over a growable byte queue: what TLSEngine feeds OpenSSL
// ciphertext through and collects it from, in place of BIO_s_mem().
//
// Why not a memory BIO: every BIO_write into one zero-fills the space it
// grows into before copying (BUF_MEM_grow_clean), one extra pass over
// every byte each way, and reading its contents out is always a copy. This
// queue appends without zeroing, and take() hands its whole buffer over
// without copying when nothing was read from it yet (the usual case for
// the ciphertext going out).
#pragma once

#include <openssl/bio.h>

#include <cstddef>

#include "coronet/base/bytes.hpp"

namespace coronet::tls_detail {

// A new queue BIO (empty); freed by BIO_free, or by SSL_free once given to SSL_set_bio.
BIO* new_byte_queue_bio();

// Appends `data`; takes the buffer over when the queue is empty.
void give_to_byte_queue(BIO* bio, Bytes&& data);

// Removes up to `max_bytes` from the front of the queue.
Bytes take_from_byte_queue(BIO* bio, std::size_t max_bytes);

}  // namespace coronet::tls_detail
