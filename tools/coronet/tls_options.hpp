// The TLS options of the commands that take tls:// URLs, and the contexts
// made from them: client options (--cafile, --insecure, --alpn, --sni) for
// the URL connected to, server options (--cert, --key) for the URL listened
// on. Verification is on by default: the system's CAs, or --cafile's, and
// the URL's host (or --sni) checked against the certificate. Giving an
// option that does not apply to the URL is a usage error.
#pragma once
#include <CLI/CLI.hpp>
#include <coronet/coronet.hpp>
#include <memory>
#include <string>

#include "endpoints.hpp"
#include "url.hpp"

namespace coronet::cli {

struct TlsOptions {
    std::string cafile;
    bool insecure = false;
    std::string alpn;
    std::string sni;
    std::string cert;
    std::string key;

    void add_client_options(CLI::App& app);
    void add_server_options(CLI::App& app);
    // UsageError when a client option is given and `url` is not tls://.
    void check_client_applies_to(const Url& url) const;
    // UsageError when --cert/--key is given and `url` is not tls://, or
    // when `url` is tls:// and they are missing.
    void check_server_applies_to(const Url& url) const;
    // Both checks on the one URL of `connect`/`listen`.
    void check_applies_to(const Url& url) const;

    // For a tls:// URL to connect to (UsageError for an unreadable --cafile).
    TlsClient client() const;
    // For a tls:// URL to listen on: --cert and --key loaded; nullptr for
    // other URLs (UsageError for files that cannot be loaded).
    std::shared_ptr<SSLContext> server_context(const Url& url) const;
};

}  // namespace coronet::cli
