// Helpers for the asyncio layer's TLS tests: contexts from the certificates
// tests/support/test_certs.cpp makes at run time, and a loop exception handler
// that records messages.
#pragma once

#include <coronet/coronet.hpp>
#include <memory>
#include <string>
#include <vector>

#include "support/test_certs.hpp"

namespace asyncio_test {

inline std::shared_ptr<coronet::SSLContext> tls_server_context(
    const tls_test::CertFiles& files = tls_test::certs().server) {
    auto ctx = coronet::create_default_context(coronet::Purpose::client_auth, tls_test::certs().ca);
    ctx->load_cert_chain(files.cert, files.key);
    return ctx;
}

inline std::shared_ptr<coronet::SSLContext> tls_client_context() {
    return coronet::create_default_context(coronet::Purpose::server_auth, tls_test::certs().ca);
}

// Records what reaches the loop's exception handler while it lives.
struct HandlerLog {
    std::vector<std::string> messages;
    coronet::Loop& loop;
    explicit HandlerLog(coronet::Loop& l) : loop(l) {
        loop.set_exception_handler([this](coronet::Loop&, const coronet::ExceptionContext& c) {
            std::string m = c.message;
            if (c.exception) {
                try {
                    std::rethrow_exception(c.exception);
                } catch (const std::exception& e) {
                    m += std::string(": ") + e.what();
                } catch (...) {
                }
            }
            messages.push_back(std::move(m));
        });
    }
    ~HandlerLog() { loop.set_exception_handler(nullptr); }
    HandlerLog(const HandlerLog&) = delete;
    HandlerLog& operator=(const HandlerLog&) = delete;
    bool contains(const std::string& text) const {
        for (auto& m : messages)
            if (m.find(text) != std::string::npos) return true;
        return false;
    }
};

// The message of the std::exception `task` raises ("no exception" if none).
template <class T>
coronet::Task<std::string> tls_message_of(coronet::Task<T> task) {
    try {
        co_await std::move(task);
    } catch (const std::exception& e) {
        co_return std::string(e.what());
    }
    co_return std::string("no exception");
}

}  // namespace asyncio_test
