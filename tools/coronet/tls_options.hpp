// The TLS options `connect` and `listen` accept. They are parsed today so
// that command lines stay valid once the library's TLS layer lands; until
// then a tls:// URL is a NotAvailable error (exit code 2), and these options
// with a plain URL are a usage error.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

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
    // UsageError when a TLS option is given for a non-TLS URL.
    void check_applies_to(const Url& url) const;
};

}  // namespace coronet::cli
