// coronet resolve HOST [PORT]: the async resolver's answer, one address per
// line with its family, in the order connect would try them.
#include <cstdio>
#include <memory>
#include <set>

#include "cli_error.hpp"
#include "command.hpp"

namespace coronet::cli {

namespace {

struct ResolveOptions {
    std::string host;
    int port = -1;
    bool v4 = false;
    bool v6 = false;
};

Task<int> run_resolve(const ResolveOptions& options) {
    if (options.host.empty()) throw UsageError("empty host");
    const int family = options.v4 ? AF_INET : options.v6 ? AF_INET6 : AF_UNSPEC;
    const int port = options.port < 0 ? 0 : options.port;
    const std::vector<net::AddressInfo> answers =
        co_await net::getaddrinfo(options.host, port, family, SOCK_STREAM);
    std::set<std::string> seen;
    for (const net::AddressInfo& answer : answers) {
        const std::string address =
            options.port < 0 ? answer.address.host() : answer.address.to_string();
        if (!seen.insert(address).second) continue;
        std::printf("%s %s\n", answer.family == AF_INET6 ? "ipv6" : "ipv4", address.c_str());
    }
    std::fflush(stdout);
    co_return kExitOk;
}

}  // namespace

Command add_resolve(CLI::App& root) {
    auto options = std::make_shared<ResolveOptions>();
    CLI::App* app =
        root.add_subcommand("resolve", "Resolve HOST: one address per line, with family");
    app->add_option("HOST", options->host, "a name or a numeric address")->required();
    app->add_option("PORT", options->port, "a port to include in the answers")
        ->check(CLI::Range(0, 65535));
    auto* v4 = app->add_flag("-4", options->v4, "IPv4 addresses only");
    app->add_flag("-6", options->v6, "IPv6 addresses only")->excludes(v4);
    app->footer(R"(Examples:
  coronet resolve localhost          "ipv6 ::1" and "ipv4 127.0.0.1", one per line
  coronet resolve example.com 443    every address with the port, as "ipv4 ADDR:443"
  coronet resolve -4 example.com     IPv4 addresses only)");
    return {app, [options] {
                return run_in_loop("resolve", [options] { return run_resolve(*options); });
            }};
}

}  // namespace coronet::cli
