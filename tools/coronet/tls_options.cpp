#include "tls_options.hpp"

#include "cli_error.hpp"

namespace coronet::cli {

void TlsOptions::add_client_options(CLI::App& app) {
    app.add_option("--cafile", cafile, "tls://: trust these CA certificates (PEM)");
    app.add_flag("--insecure", insecure, "tls://: do not verify the server's certificate");
    app.add_option("--alpn", alpn, "tls://: offer these ALPN protocols (comma-separated)");
    app.add_option("--sni", sni, "tls://: server name to send (default: the URL's host)");
}

void TlsOptions::add_server_options(CLI::App& app) {
    app.add_option("--cert", cert, "tls://: certificate chain (PEM)");
    app.add_option("--key", key, "tls://: private key (PEM)");
}

void TlsOptions::check_applies_to(const Url& url) const {
    if (url.scheme == Scheme::tls) return;
    const char* given = !cafile.empty() ? "--cafile"
                        : insecure      ? "--insecure"
                        : !alpn.empty() ? "--alpn"
                        : !sni.empty()  ? "--sni"
                        : !cert.empty() ? "--cert"
                        : !key.empty()  ? "--key"
                                        : nullptr;
    if (given) throw UsageError(std::string(given) + " applies only to tls:// URLs");
}

}  // namespace coronet::cli
