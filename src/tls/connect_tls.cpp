#include "coronet/tls/connect_tls.hpp"

#include <stdexcept>

#include "coronet/stream/connect.hpp"

namespace coronet {

Task<TLSStream> connect_tcp(std::string host, int port, TLSConnectOptions options) {
    if (!options.tls.on) {
        throw std::invalid_argument(
            "connect_tcp: .tls = false; call connect_tcp without TLS options for a plain stream");
    }
    // Copied before the first suspension: the options borrow their strings.
    const std::string hostname(options.tls_hostname.empty() ? std::string_view(host)
                                                            : options.tls_hostname);
    ConnectTcpOptions plain;
    plain.local_host = options.local_host;
    plain.happy_eyeballs_delay = options.happy_eyeballs_delay;
    SocketStream stream = co_await coronet::connect_tcp(host, port, plain);
    TLSStreamOptions tls;
    tls.hostname = hostname;
    tls.ssl_context = options.ssl_context;
    tls.standard_compatible = options.tls_standard_compatible;
    co_return co_await TLSStream::wrap(std::move(stream), tls);
}

}  // namespace coronet
