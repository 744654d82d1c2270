#include "coronet/net/resolver.hpp"

#include <netdb.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/sleep.hpp"
#include "coronet/runtime/to_thread.hpp"

namespace coronet::net {
namespace {

std::string gai_error_message(int code, const std::string& operation, const std::string& host,
                              const std::string& service, int error_number) {
    std::string text = operation;
    text += ' ';
    text += host.empty() ? std::string("<no host>") : host;
    if (!service.empty()) {
        text += " service ";
        text += service;
    }
    text += ": ";
    // EAI_SYSTEM's own text is just "System error": the errno says what.
    text += code == EAI_SYSTEM && error_number != 0 ? std::strerror(error_number)
                                                    : ::gai_strerror(code);
    return text;
}

bool is_numeric(const std::string& text) {
    if (text.empty()) return true;
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

void check_no_nul(const std::string& text, const char* what) {
    if (text.find('\0') != std::string::npos) {
        std::string message = "getaddrinfo: the ";
        message += what;
        message += " contains a NUL byte";
        throw std::invalid_argument(message);
    }
}

std::string port_text(int port) {
    if (port < 0 || port > 65535) {
        std::string message = "getaddrinfo: port ";
        message += std::to_string(port);
        message += " is outside 0..65535";
        throw std::invalid_argument(message);
    }
    return std::to_string(port);
}

// The GaiError for a failed getaddrinfo of `query`; the service is named
// only when it was a name (a failed port number says nothing new).
[[noreturn]] void throw_gai(int code, const AddressQuery& query, int error_number) {
    throw GaiError(code, "getaddrinfo", query.host, is_numeric(query.service) ? "" : query.service,
                   error_number);
}

struct AddrinfoFree {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoFree>;

// Calls getaddrinfo(3); returns its code (0 on success) and the list.
int call_getaddrinfo(const AddressQuery& query, int extra_flags, AddrinfoList& out,
                     int& error_number) {
    addrinfo hints{};
    hints.ai_family = query.family;
    hints.ai_socktype = query.type;
    hints.ai_protocol = query.proto;
    hints.ai_flags = query.flags | extra_flags;
    addrinfo* list = nullptr;
    errno = 0;
    const int code =
        ::getaddrinfo(query.host.empty() ? nullptr : query.host.c_str(),
                      query.service.empty() ? nullptr : query.service.c_str(), &hints, &list);
    error_number = errno;
    out.reset(list);
    return code;
}

std::vector<AddressInfo> to_entries(const addrinfo* list) {
    std::vector<AddressInfo> entries;
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
        AddressInfo entry;
        entry.family = ai->ai_family;
        entry.type = ai->ai_socktype;
        entry.proto = ai->ai_protocol;
        if (ai->ai_canonname) entry.canonname = ai->ai_canonname;
        entry.address = SocketAddress::from_native(ai->ai_addr, ai->ai_addrlen);
        entries.push_back(std::move(entry));
    }
    return entries;
}

// Runs on a worker: the blocking lookup, on the query's own copy.
std::vector<AddressInfo> blocking_getaddrinfo(const AddressQuery& query) {
    AddrinfoList list;
    int error_number = 0;
    const int code = call_getaddrinfo(query, 0, list, error_number);
    if (code != 0) throw_gai(code, query, error_number);
    return to_entries(list.get());
}

// The answer without any lookup when host and service are both numeric (or
// absent), as Trio does; nullopt when a resolver is needed. Numeric parsing
// never blocks, so it runs on the loop thread.
std::optional<std::vector<AddressInfo>> numeric_getaddrinfo(const AddressQuery& query) {
    AddrinfoList list;
    int error_number = 0;
    const int code = call_getaddrinfo(query, AI_NUMERICHOST | AI_NUMERICSERV, list, error_number);
    if (code == 0) return to_entries(list.get());
    constexpr int kNumericOnly = AI_NUMERICHOST | AI_NUMERICSERV;
    // EAI_NONAME: something is a name; the resolver decides, unless the
    // caller itself asked for numeric only (the answer would be the same).
    if (code == EAI_NONAME && (query.flags & kNumericOnly) != kNumericOnly) return std::nullopt;
    // Anything else (bad flags, family, socket type, ...) is about the query,
    // not about a name: a resolver would say the same.
    throw_gai(code, query, error_number);
}

void check_ip(const SocketAddress& address) {
    if (!address.is_ip()) {
        throw std::invalid_argument("getnameinfo: " + address.to_string() +
                                    " is not an IPv4 or IPv6 address");
    }
}

NameInfo call_getnameinfo(const SocketAddress& address, int flags) {
    char host[NI_MAXHOST];
    char service[NI_MAXSERV];
    errno = 0;
    const int code = ::getnameinfo(address.native(), address.length(), host, sizeof host, service,
                                   sizeof service, flags);
    if (code != 0) throw GaiError(code, "getnameinfo", address.to_string(), {}, errno);
    return NameInfo{host, service};
}

std::mutex override_mutex;
std::shared_ptr<Resolver> override_resolver;  // guarded by override_mutex

// `port`, when given, becomes the service (validated here, at the await, like
// every other input).
Task<std::vector<AddressInfo>> lookup(Resolver* resolver, AddressQuery query,
                                      std::optional<int> port = std::nullopt) {
    if (port) query.service = port_text(*port);
    check_no_nul(query.host, "host");
    check_no_nul(query.service, "service");
    co_await checkpoint();
    if (auto numeric = numeric_getaddrinfo(query)) co_return std::move(*numeric);
    std::shared_ptr<Resolver> current;  // keeps a substituted resolver alive for the call
    if (!resolver) {
        current = current_resolver();
        resolver = current.get();
    }
    co_return co_await resolver->getaddrinfo(std::move(query));
}

Task<NameInfo> reverse_lookup(Resolver* resolver, SocketAddress address, int flags) {
    check_ip(address);
    co_await checkpoint();
    // Both numeric: formatting only, nothing that could block.
    if ((flags & NI_NUMERICHOST) && (flags & NI_NUMERICSERV)) {
        co_return call_getnameinfo(address, flags);
    }
    std::shared_ptr<Resolver> current;
    if (!resolver) {
        current = current_resolver();
        resolver = current.get();
    }
    co_return co_await resolver->getnameinfo(std::move(address), flags);
}

}  // namespace

GaiError::GaiError(int code, std::string operation, std::string host, std::string service,
                   int error_number)
    : Error(gai_error_message(code, operation, host, service, error_number)),
      code_(code),
      errno_(code == EAI_SYSTEM ? error_number : 0),
      operation_(std::move(operation)),
      host_(std::move(host)),
      service_(std::move(service)) {}

Task<NameInfo> Resolver::getnameinfo(SocketAddress address, int flags) {
    return system_resolver()->getnameinfo(std::move(address), flags);
}

Task<std::vector<AddressInfo>> SystemResolver::getaddrinfo(AddressQuery query) {
    // The lambda owns its query: an abandoned (cancelled) call's thread must
    // not touch anything of the task's. Not a coroutine: g++ 12 destroys a
    // capturing lambda temporary built inside a co_await expression twice.
    return to_thread::run_sync([query = std::move(query)] { return blocking_getaddrinfo(query); },
                               {.cancellable = true});
}

Task<NameInfo> SystemResolver::getnameinfo(SocketAddress address, int flags) {
    check_ip(address);
    return to_thread::run_sync([address, flags] { return call_getnameinfo(address, flags); },
                               {.cancellable = true});
}

std::shared_ptr<Resolver> system_resolver() {
    static const std::shared_ptr<Resolver> instance = std::make_shared<SystemResolver>();
    return instance;
}

std::shared_ptr<Resolver> current_resolver() {
    {
        std::lock_guard lock(override_mutex);
        if (override_resolver) return override_resolver;
    }
    return system_resolver();
}

ResolverOverride::~ResolverOverride() {
    std::lock_guard lock(override_mutex);
    override_resolver = std::move(previous_);
}

ResolverOverride set_resolver_for_testing(std::shared_ptr<Resolver> resolver) {
    std::lock_guard lock(override_mutex);
    return ResolverOverride(std::exchange(override_resolver, std::move(resolver)));
}

Task<std::vector<AddressInfo>> getaddrinfo(std::string host, int port, int family, int type,
                                           int proto, int flags) {
    return lookup(nullptr, AddressQuery{std::move(host), {}, family, type, proto, flags}, port);
}

Task<std::vector<AddressInfo>> getaddrinfo(std::string host, std::string service, int family,
                                           int type, int proto, int flags) {
    return lookup(nullptr,
                  AddressQuery{std::move(host), std::move(service), family, type, proto, flags});
}

Task<std::vector<AddressInfo>> getaddrinfo(Resolver& resolver, std::string host, int port,
                                           int family, int type, int proto, int flags) {
    return lookup(&resolver, AddressQuery{std::move(host), {}, family, type, proto, flags}, port);
}

Task<std::vector<AddressInfo>> getaddrinfo(Resolver& resolver, std::string host,
                                           std::string service, int family, int type, int proto,
                                           int flags) {
    return lookup(&resolver,
                  AddressQuery{std::move(host), std::move(service), family, type, proto, flags});
}

Task<NameInfo> getnameinfo(SocketAddress address, int flags) {
    return reverse_lookup(nullptr, std::move(address), flags);
}

Task<NameInfo> getnameinfo(Resolver& resolver, SocketAddress address, int flags) {
    return reverse_lookup(&resolver, std::move(address), flags);
}

Task<int> getprotobyname(std::string name) {
    co_await checkpoint();
    // getprotobyname(3) returns a static buffer: the _r form is the one a
    // worker thread may call.
    auto lookup_protocol = [name = std::move(name)] {
        protoent entry{};
        protoent* found = nullptr;
        std::vector<char> buffer(1024);
        int rc;
        // ERANGE: an entry with many aliases needs a bigger buffer.
        while ((rc = ::getprotobyname_r(name.c_str(), &entry, buffer.data(), buffer.size(),
                                        &found)) == ERANGE) {
            buffer.resize(buffer.size() * 2);
        }
        if (rc != 0) throw_os_error(rc, "getprotobyname", name);
        if (!found) throw_os_error(EPROTONOSUPPORT, "getprotobyname", name);
        return found->p_proto;
    };
    // A named lambda, moved in: g++ 12 miscompiles a capturing lambda
    // temporary inside a co_await expression (its captures are destroyed
    // twice).
    co_return co_await to_thread::run_sync(std::move(lookup_protocol), {.cancellable = true});
}

}  // namespace coronet::net
