#include "tls_options.hpp"

#include <stdexcept>
#include <vector>

#include "cli_error.hpp"

namespace coronet::cli {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        if (end == start) throw UsageError("--alpn '" + text + "' has an empty protocol name");
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

}  // namespace

void TlsOptions::add_client_options(CLI::App& app) {
    app.add_option("--cafile", cafile,
                   "tls://: trust these CA certificates (PEM) instead of the system's");
    app.add_flag("--insecure", insecure, "tls://: do not verify the server's certificate");
    app.add_option("--alpn", alpn, "tls://: offer these ALPN protocols (comma-separated)");
    app.add_option("--sni", sni, "tls://: server name to send and check (default: the URL's host)");
}

void TlsOptions::add_server_options(CLI::App& app) {
    app.add_option("--cert", cert, "tls://: certificate chain (PEM), required with tls://");
    app.add_option("--key", key, "tls://: private key (PEM), required with tls://");
}

void TlsOptions::check_client_applies_to(const Url& url) const {
    if (url.scheme == Scheme::tls) return;
    const char* given = !cafile.empty() ? "--cafile"
                        : insecure      ? "--insecure"
                        : !alpn.empty() ? "--alpn"
                        : !sni.empty()  ? "--sni"
                                        : nullptr;
    if (given) throw UsageError(std::string(given) + " applies only to tls:// URLs");
}

void TlsOptions::check_server_applies_to(const Url& url) const {
    if (url.scheme == Scheme::tls) {
        if (cert.empty() || key.empty()) {
            throw UsageError("listening on " + url.text + " needs --cert FILE and --key FILE");
        }
        return;
    }
    const char* given = !cert.empty() ? "--cert" : !key.empty() ? "--key" : nullptr;
    if (given) throw UsageError(std::string(given) + " applies only to tls:// URLs");
}

void TlsOptions::check_applies_to(const Url& url) const {
    check_client_applies_to(url);
    check_server_applies_to(url);
}

TlsClient TlsOptions::client() const {
    TlsClient result;
    result.hostname = sni;
    try {
        result.context = create_default_context(Purpose::server_auth, cafile);
        if (insecure) {
            result.context->set_check_hostname(false);
            result.context->set_verify_mode(VerifyMode::none);
        }
        if (!alpn.empty()) result.context->set_alpn_protocols(split_commas(alpn));
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return result;
}

std::shared_ptr<SSLContext> TlsOptions::server_context(const Url& url) const {
    if (url.scheme != Scheme::tls) return nullptr;
    try {
        auto context = create_default_context(Purpose::client_auth);
        context->load_cert_chain(cert, key);
        return context;
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

}  // namespace coronet::cli
