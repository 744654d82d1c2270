// Two TLSEngines, a verifying client and a server, talking through memory,
// with the fuzzer in the middle: it decides who writes what and when, and
// what happens to each TLS record in flight (delivered, corrupted, truncated,
// split, duplicated, dropped, held back and reordered, or followed by
// garbage). Invariants: nothing crashes, leaks or trips a sanitizer; a side
// only ever raises SSLError (with a message naming the failure); the
// plaintext each side reads is a prefix of what the other wrote; and when
// the fuzzer touched nothing, every byte arrives.
//
// The certificate (EC P-256, self-signed, for "localhost") is made once, in
// memory, when the target starts: no key on disk, no openssl process.
#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <coronet/coronet.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

using namespace coronet;

namespace {

void add_ext(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    FUZZ_CHECK(ext != nullptr, "cannot build a certificate extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

struct Contexts {
    std::shared_ptr<SSLContext> server;
    std::shared_ptr<SSLContext> client;
    std::shared_ptr<SSLContext> client12;  // TLS 1.2 at most

    Contexts() {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        FUZZ_CHECK(key != nullptr, "EVP_EC_gen failed");
        X509* cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
        X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        add_ext(cert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, NID_subject_alt_name, "DNS:localhost");
        FUZZ_CHECK(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign failed");

        server = create_default_context(Purpose::client_auth);
        auto* ctx = static_cast<SSL_CTX*>(server->native_handle());
        FUZZ_CHECK(SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1,
                   "cannot install the certificate");

        BIO* pem = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(pem, cert);
        char* text = nullptr;
        const long length = BIO_get_mem_data(pem, &text);
        const std::string ca(text, static_cast<std::size_t>(length));
        BIO_free(pem);
        // Verification and hostname checking on, as by default.
        client = SSLContext::create(TLSRole::client);
        client->load_verify_locations({}, {}, ca);
        client12 = SSLContext::create(TLSRole::client);
        client12->load_verify_locations({}, {}, ca);
        client12->set_maximum_version(TLSVersion::TLSv1_2);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
};

const Contexts& contexts() {
    static const Contexts c;
    return c;
}

struct Side {
    TLSEngine engine;
    std::string written;  // plaintext this side wrote
    std::string read;     // plaintext this side read
    bool failed = false;
    std::string error;    // the SSLError's message
    bool closed = false;  // the peer's close_notify came

    Side(std::shared_ptr<SSLContext> ctx, bool server)
        : engine(std::move(ctx), server, server ? "" : "localhost") {}

    // Handshake, then read what there is. Only SSLError may come out.
    void progress() {
        if (failed) return;
        try {
            if (!engine.handshake_done() && engine.do_handshake() != TLSEngine::Status::ok) return;
            for (int i = 0; i < 64 && !closed; ++i) {
                Bytes out;
                const auto status = engine.read(out, 1 + static_cast<std::size_t>(i) * 977);
                if (status == TLSEngine::Status::closed) closed = true;
                if (status != TLSEngine::Status::ok) break;
                read += out.str();
            }
        } catch (const SSLError& e) {
            FUZZ_CHECK(std::strlen(e.what()) > 0, "an SSLError without a message");
            failed = true;
            error = e.what();
        }
    }

    void write(const std::string& data) {
        if (failed || !engine.handshake_done() || engine.shutdown_sent()) return;
        try {
            engine.write(data);
            written += data;
        } catch (const SSLError& e) {
            failed = true;
            error = e.what();
        }
    }

    void shutdown() {
        if (failed) return;
        if (!engine.handshake_done()) {
            // As Python's unwrap(): refused in the middle of the handshake,
            // which goes on unharmed.
            try {
                engine.shutdown();
                FUZZ_CHECK(false, "shutdown accepted during the handshake");
            } catch (const SSLError& e) {
                FUZZ_CHECK(std::strstr(e.what(), "shutdown while in init") != nullptr,
                           "shutdown during the handshake: another error");
            }
            return;
        }
        try {
            engine.shutdown();
        } catch (const SSLError& e) {
            failed = true;
            error = e.what();
        }
    }
};

// TLS records: a 5-byte header whose last two bytes are the body's length.
std::vector<std::string> split_records(const std::string& flight) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < flight.size()) {
        std::size_t n = flight.size() - at;
        if (n >= 5) {
            const std::size_t body = (static_cast<unsigned char>(flight[at + 3]) << 8) |
                                     static_cast<unsigned char>(flight[at + 4]);
            n = std::min(n, 5 + body);
        }
        out.push_back(flight.substr(at, n));
        at += n;
    }
    return out;
}

struct Wire {
    Side& from;
    Side& to;
    std::string held;  // a record held back, delivered after the next one
};

// Moves what `from` has for `to`, each record treated as the fuzzer says.
// Returns whether anything was touched.
bool transfer(Wire& w, FuzzedDataProvider* in) {
    const std::string flight(w.from.engine.take_ciphertext().str());
    bool touched = false;
    for (std::string record : split_records(flight)) {
        const int what = in ? in->ConsumeIntegralInRange<int>(0, 15) : 0;
        switch (what) {
            case 8: {  // flip bits in one byte
                const auto at = in->ConsumeIntegralInRange<std::size_t>(0, record.size() - 1);
                record[at] =
                    static_cast<char>(record[at] ^ (in->ConsumeIntegral<std::uint8_t>() | 1));
                w.to.engine.receive_ciphertext(record);
                break;
            }
            case 9:  // truncated: the rest never comes
                record.resize(in->ConsumeIntegralInRange<std::size_t>(0, record.size() - 1));
                w.to.engine.receive_ciphertext(record);
                break;
            case 10: {  // split in two, the receiver working in between
                const auto at = in->ConsumeIntegralInRange<std::size_t>(0, record.size());
                w.to.engine.receive_ciphertext(record.substr(0, at));
                w.to.progress();
                w.to.engine.receive_ciphertext(record.substr(at));
                w.to.progress();
                continue;
            }
            case 11:  // duplicated
                w.to.engine.receive_ciphertext(record);
                w.to.engine.receive_ciphertext(record);
                break;
            case 12:  // dropped
                break;
            case 13:  // held back: it comes after the next record
                w.held += record;
                touched = true;
                continue;
            case 14: {  // followed by garbage
                w.to.engine.receive_ciphertext(record);
                w.to.engine.receive_ciphertext(in->ConsumeRandomLengthString(64));
                break;
            }
            case 15: {  // a record with the right header but another body
                std::string body = in->ConsumeRandomLengthString(64);
                const std::string header =
                    record.substr(0, std::min<std::size_t>(3, record.size()));
                std::string forged = header;
                forged.push_back(static_cast<char>(body.size() >> 8));
                forged.push_back(static_cast<char>(body.size() & 0xff));
                w.to.engine.receive_ciphertext(forged + body);
                break;
            }
            default:
                w.to.engine.receive_ciphertext(record);
                w.to.progress();
                if (!w.held.empty()) {
                    w.to.engine.receive_ciphertext(w.held);
                    w.held.clear();
                    w.to.progress();
                }
                continue;
        }
        touched = true;
        w.to.progress();
    }
    return touched;
}

void check_prefix(const Side& reader, const Side& writer) {
    FUZZ_CHECK(reader.read.size() <= writer.written.size() &&
                   writer.written.compare(0, reader.read.size(), reader.read) == 0,
               "plaintext read that the peer did not write, or out of order");
}

std::string message(std::size_t n, std::uint8_t seed) {
    std::string m(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        m[i] = static_cast<char>(seed + i * 31);
    return m;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    contexts();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const Contexts& ctx = contexts();
    Side client(in.ConsumeBool() ? ctx.client12 : ctx.client, false);
    Side server(ctx.server, true);
    Wire to_server{client, server, {}};
    Wire to_client{server, client, {}};
    bool touched = false;

    client.progress();  // the ClientHello
    for (int step = 0; step < 48 && in.remaining_bytes() > 0; ++step) {
        switch (in.ConsumeIntegralInRange<int>(0, 6)) {
            case 0:
                client.write(message(in.ConsumeIntegralInRange<std::size_t>(1, 3000),
                                     in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 1:
                server.write(message(in.ConsumeIntegralInRange<std::size_t>(1, 3000),
                                     in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 2:
                touched = transfer(to_server, &in) || touched;
                break;
            case 3:
                touched = transfer(to_client, &in) || touched;
                break;
            case 4:
                client.shutdown();
                break;
            case 5:
                server.shutdown();
                break;
            default:
                client.progress();
                server.progress();
                break;
        }
        check_prefix(server, client);
        check_prefix(client, server);
    }
    // Then deliver everything untouched until nothing moves.
    for (int i = 0; i < 16; ++i) {
        if (client.engine.pending_ciphertext() == 0 && server.engine.pending_ciphertext() == 0)
            break;
        transfer(to_server, nullptr);
        transfer(to_client, nullptr);
    }
    check_prefix(server, client);
    check_prefix(client, server);
    if (!touched) {
        if (client.failed || server.failed)
            std::fprintf(stderr, "client: %s\nserver: %s\n", client.error.c_str(),
                         server.error.c_str());
        FUZZ_CHECK(!client.failed && !server.failed, "a TLS error with nothing corrupted");
        FUZZ_CHECK(server.read == client.written && client.read == server.written,
                   "data lost with nothing corrupted");
    }
    return 0;
}
