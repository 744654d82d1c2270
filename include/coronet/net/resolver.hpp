// Name resolution: async getaddrinfo / getnameinfo / getprotobyname
// (trio.socket's, with the same changes Trio makes to Python's).
//
//     for (const AddressInfo& ai : co_await getaddrinfo("localhost", 8080, 0, SOCK_STREAM)) {
//         Socket s = net::socket(ai.family, ai.type, ai.proto);
//         co_await s.connect(ai.address);
//         ...
//     }
//     NameInfo n = co_await getnameinfo(SocketAddress::ipv4("127.0.0.1", 80),
//                                       NI_NUMERICHOST | NI_NUMERICSERV);  // {"127.0.0.1", "80"}
//
// The C library's resolver blocks, so a lookup that may need it runs on the
// worker pool (to_thread::run_sync) and is cancellable: cancelling it returns
// control at once with Cancelled, while the thread finishes the lookup on its
// own and its answer is thrown away (it owns copies of everything it uses).
// Lookups that cannot block are answered on the loop thread with no thread
// hop: getaddrinfo first tries the host and port as numeric
// (AI_NUMERICHOST | AI_NUMERICSERV), as Trio does, and getnameinfo with both
// NI_NUMERICHOST and NI_NUMERICSERV never needs a lookup. Every call is a
// checkpoint (it raises Cancelled inside a cancelled scope), fast path
// included.
//
// Substitution: the lookups that need a resolver go through a `Resolver`
// object: the system one by default, another one per call (the overloads
// taking a Resolver&, open_tcp_socket's `resolver` option) or for the whole
// process (set_resolver_for_testing, a scoped guard; Trio's
// set_custom_hostname_resolver). Numeric answers never reach it.
//
// Errors: a failed lookup raises GaiError (the EAI_* code and gai_strerror's
// text, with the host: "getaddrinfo nonexistent.invalid: Name or service not
// known"). A port outside 0..65535, or a host or service holding a NUL byte,
// is std::invalid_argument.
//
// Host names are passed to the C library as given (no IDNA encoding as Trio
// does; pass AI_IDN in `flags` for glibc's).
//
// Deliberately absent, as in Trio: gethostbyname, gethostbyname_ex and
// gethostbyaddr (obsolete: use getaddrinfo and getnameinfo),
// getservbyname (use getaddrinfo("", "http")), getservbyport (use
// getnameinfo(address, NI_NUMERICHOST)) and getfqdn (use getaddrinfo with
// AI_CANONNAME).
#pragma once

#include <netdb.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::net {

// One answer of getaddrinfo: the arguments for socket() and the address for
// connect()/bind(). `canonname` is set on the first entry only, and only
// when AI_CANONNAME was asked for.
struct AddressInfo {
    int family = AF_UNSPEC;
    int type = 0;
    int proto = 0;
    std::string canonname;
    SocketAddress address;

    friend bool operator==(const AddressInfo&, const AddressInfo&) = default;
};

// getnameinfo's answer: the host (a name, or numeric with NI_NUMERICHOST)
// and the service (a name such as "http", or numeric with NI_NUMERICSERV).
struct NameInfo {
    std::string host;
    std::string service;

    friend bool operator==(const NameInfo&, const NameInfo&) = default;
};

// A getaddrinfo request as a Resolver receives it. An empty host or service
// means "none" (the C call's NULL): an empty host with AI_PASSIVE is the
// wildcard address, without it the loopback address.
struct AddressQuery {
    std::string host;
    std::string service;
    int family = AF_UNSPEC;
    int type = 0;
    int proto = 0;
    int flags = 0;
};

// A failed getaddrinfo/getnameinfo (Python's socket.gaierror). code() is the
// EAI_* value; for EAI_SYSTEM, error_number() is the errno behind it.
// what(): "<operation> <host>: <gai_strerror text>", e.g.
// "getaddrinfo nonexistent.invalid: Name or service not known"; a service
// given by name is named too ("getaddrinfo localhost service nosuch: ...").
// For getnameinfo, host() is the address ("127.0.0.1:80").
class GaiError : public Error {
  public:
    GaiError(int code, std::string operation, std::string host, std::string service = {},
             int error_number = 0);
    int code() const noexcept { return code_; }
    int error_number() const noexcept { return errno_; }
    const std::string& operation() const noexcept { return operation_; }
    const std::string& host() const noexcept { return host_; }
    const std::string& service() const noexcept { return service_; }

  private:
    int code_;
    int errno_;
    std::string operation_;
    std::string host_;
    std::string service_;
};

// Where lookups that need a resolver go. Implement getaddrinfo (and
// getnameinfo, which defaults to the system's) to substitute another one:
// a stub in tests, or an asynchronous DNS client. Implementations raise
// GaiError for a failed lookup; the free functions below have already
// validated the query and answered numeric ones.
class Resolver {
  public:
    virtual ~Resolver() = default;
    virtual Task<std::vector<AddressInfo>> getaddrinfo(AddressQuery query) = 0;
    virtual Task<NameInfo> getnameinfo(SocketAddress address, int flags);
};

// The C library's resolver, each lookup on the worker pool (cancellable).
class SystemResolver : public Resolver {
  public:
    Task<std::vector<AddressInfo>> getaddrinfo(AddressQuery query) override;
    Task<NameInfo> getnameinfo(SocketAddress address, int flags) override;
};

// The process-wide system resolver.
std::shared_ptr<Resolver> system_resolver();
// The resolver the free functions use now: the one installed by
// set_resolver_for_testing, or the system resolver.
std::shared_ptr<Resolver> current_resolver();

// Restores the previously installed resolver when destroyed.
class [[nodiscard]] ResolverOverride {
  public:
    explicit ResolverOverride(std::shared_ptr<Resolver> previous) noexcept
        : previous_(std::move(previous)) {}
    ResolverOverride(const ResolverOverride&) = delete;
    ResolverOverride& operator=(const ResolverOverride&) = delete;
    ~ResolverOverride();

  private:
    std::shared_ptr<Resolver> previous_;
};

// Installs `resolver` for every lookup in the process (every loop thread)
// until the returned guard is destroyed; nullptr means the system resolver.
// Guards nest (destroy them in reverse order).
ResolverOverride set_resolver_for_testing(std::shared_ptr<Resolver> resolver);

// --- the lookups ---

// getaddrinfo(3) for `host` (empty: none, see AddressQuery) and a port in
// 0..65535 or a service (a name such as "http", a number, or empty: none).
// family/type/proto/flags are the hints (0: any). Answers in the C library's
// order (RFC 6724's destination address selection).
Task<std::vector<AddressInfo>> getaddrinfo(std::string host, int port, int family = 0, int type = 0,
                                           int proto = 0, int flags = 0);
Task<std::vector<AddressInfo>> getaddrinfo(std::string host, std::string service, int family = 0,
                                           int type = 0, int proto = 0, int flags = 0);
// The same with an explicit resolver for this call (it must outlive the call).
Task<std::vector<AddressInfo>> getaddrinfo(Resolver& resolver, std::string host, int port,
                                           int family = 0, int type = 0, int proto = 0,
                                           int flags = 0);
Task<std::vector<AddressInfo>> getaddrinfo(Resolver& resolver, std::string host,
                                           std::string service, int family = 0, int type = 0,
                                           int proto = 0, int flags = 0);

// getnameinfo(3) for an IP address; NI_* flags. std::invalid_argument for a
// non-IP address.
Task<NameInfo> getnameinfo(SocketAddress address, int flags = 0);
Task<NameInfo> getnameinfo(Resolver& resolver, SocketAddress address, int flags = 0);

// The protocol number for a name ("tcp" -> 6) from the protocols database;
// OSError (EPROTONOSUPPORT, "getprotobyname", name) when it has no such
// protocol. The database is a file (or NSS), so this runs on the worker pool.
Task<int> getprotobyname(std::string name);

}  // namespace coronet::net
