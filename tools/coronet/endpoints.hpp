// Opening what a URL names, behind one shape per kind of endpoint, so each
// subcommand is written once for every scheme (TLS plugs in here and
// nowhere else).
//
//   connect_stream(url, tls)    tcp, tls (TCP + handshake), unix
//   StreamServer::open(url)     a listener for the same schemes (tls: a
//                               TLSListener, handshakes per connection)
//   DatagramClient::open(url)   udp, unix-dgram: a connected datagram socket
//   DatagramServer::open(url)   udp, unix-dgram: a bound one that can reply
#pragma once
#include <coronet/coronet.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "url.hpp"

namespace coronet::cli {

using StreamPtr = std::unique_ptr<ByteStream>;
using StreamHandler = std::function<Task<void>(StreamPtr)>;

// What a tls:// URL is connected with. No context: the system's CAs and
// the URL's host checked; empty hostname: the URL's host (sent as SNI unless
// it is an IP address, and checked against the certificate).
struct TlsClient {
    std::shared_ptr<SSLContext> context;
    std::string hostname;
};

// tcp: resolves and races the addresses (happy eyeballs); tls: the same,
// then the handshake (a certificate that fails verification is an
// SSLCertVerificationError naming the reason); unix: a path that exists but
// is not a socket is a UsageError. Connection failures raise the library's
// errors (ConnectError, OSError, GaiError, SSLError).
Task<StreamPtr> connect_stream(Url url, TlsClient tls = {});

class StreamServer {
  public:
    // tls:// needs `tls_context`, a server context with its certificate.
    // A client whose handshake fails (or takes longer than 10 s) is reported
    // on stderr and closed; it never reaches the handler.
    static Task<std::unique_ptr<StreamServer>> open(Url url,
                                                    std::shared_ptr<SSLContext> tls_context = {});
    StreamServer(const StreamServer&) = delete;
    StreamServer& operator=(const StreamServer&) = delete;
    ~StreamServer();

    // The URL it listens on, with the real port when the URL asked for 0.
    std::string address() const;
    // Accepts until cancelled; each connection's handler runs in `handlers`.
    Task<void> serve(StreamHandler handler, TaskGroup& handlers);
    // Closes the listener; removes the socket file a UNIX listener created.
    Task<void> aclose();

  private:
    explicit StreamServer(Url url) : url_(std::move(url)) {}
    Url url_;
    std::optional<MultiListener<SocketStream>> tcp_;
    std::optional<TLSListener> tls_;
    std::optional<UNIXListener> unix_;
};

// One reply address of a DatagramServer: host/port or a UNIX path.
struct DatagramPeer {
    std::string host;
    int port = 0;
    std::string path;
    std::string describe() const;
    bool operator==(const DatagramPeer&) const = default;
};

struct ReceivedDatagram {
    Bytes data;
    DatagramPeer from;
};

class DatagramClient {
  public:
    virtual ~DatagramClient() = default;
    // udp: a connected socket; unix-dgram: a connected socket bound to a
    // fresh abstract name, so that the peer can answer.
    static Task<std::unique_ptr<DatagramClient>> open(Url url);
    virtual Task<void> send(BytesView data) = 0;
    virtual Task<Bytes> receive() = 0;
    virtual Task<void> aclose() = 0;
};

class DatagramServer {
  public:
    virtual ~DatagramServer() = default;
    static Task<std::unique_ptr<DatagramServer>> open(Url url);
    virtual std::string address() const = 0;
    virtual Task<ReceivedDatagram> receive() = 0;
    virtual Task<void> send_to(BytesView data, const DatagramPeer& peer) = 0;
    virtual Task<void> aclose() = 0;
};

// A UNIX path as the library takes it: "@name" becomes a leading NUL.
std::string socket_path(const std::string& path);

}  // namespace coronet::cli
