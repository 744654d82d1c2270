// A private network namespace for the calling thread, with only its own
// loopback: the real-fault tests drop packets there with nftables, and the
// multicast tests turn multicast on for its loopback, without touching the
// machine's network.
#pragma once

#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace test_support {

// Enters a fresh network namespace on construction (network namespaces are
// per thread, so only this thread and what it spawns move) and returns to the
// original one on destruction. Sockets created meanwhile stay in the private
// namespace for their whole life.
class PrivateNetwork {
  public:
    PrivateNetwork() {
        original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (original_ < 0) fail("open /proc/thread-self/ns/net");
        if (::unshare(CLONE_NEWNET) != 0) {
            const int saved = errno;
            ::close(original_);
            errno = saved;
            fail("unshare(CLONE_NEWNET) (the real-fault tests need root)");
        }
        bring_loopback_up();
    }
    ~PrivateNetwork() {
        // Nothing sensible can be done if this fails; the test would then
        // run on in the private namespace, which is harmless.
        (void)::setns(original_, CLONE_NEWNET);
        ::close(original_);
    }
    PrivateNetwork(const PrivateNetwork&) = delete;
    PrivateNetwork& operator=(const PrivateNetwork&) = delete;

    // Runs an nft command in this namespace (a child process inherits the
    // calling thread's namespace).
    static void nft(const std::string& arguments) {
        const std::string command = "nft " + arguments + " 2>&1";
        if (std::system(command.c_str()) != 0)
            throw std::runtime_error("command failed: " + command);
    }

    // Drops every TCP segment to or from `port` on the loopback: a peer that
    // vanished as far as the other side can tell.
    static void drop_tcp_port(int port) {
        nft("add table inet coronet_faults");
        nft("'add chain inet coronet_faults input { type filter hook input priority 0; }'");
        const std::string p = std::to_string(port);
        nft("add rule inet coronet_faults input tcp dport " + p + " drop");
        nft("add rule inet coronet_faults input tcp sport " + p + " drop");
    }
    static void stop_dropping() { nft("delete table inet coronet_faults"); }

    // Lets IPv4 multicast work on this namespace's loopback: the interface
    // gets the MULTICAST flag (a fresh lo lacks it) and 224.0.0.0/4 is routed
    // through it, so joining a group on INADDR_ANY finds an interface and a
    // datagram sent to the group is looped back to the members.
    static void enable_loopback_multicast() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) fail("socket");
        ifreq request{};
        std::strcpy(request.ifr_name, "lo");
        request.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_MULTICAST;
        int rc = ::ioctl(fd, SIOCSIFFLAGS, &request);
        const char* step = "setting MULTICAST on lo";
        if (rc == 0) {
            rtentry route{};
            set_ipv4(route.rt_dst, INADDR_UNSPEC_GROUP);  // 224.0.0.0
            set_ipv4(route.rt_genmask, 0xf0000000u);      // /4
            route.rt_flags = RTF_UP;
            char device[] = "lo";
            route.rt_dev = device;
            rc = ::ioctl(fd, SIOCADDRT, &route);
            step = "adding the route 224.0.0.0/4 via lo";
        }
        const int saved = errno;
        ::close(fd);
        errno = saved;
        if (rc != 0) fail(step);
    }

  private:
    [[noreturn]] static void fail(const std::string& what) {
        throw std::runtime_error(what + ": " + std::strerror(errno));
    }
    static void set_ipv4(sockaddr& target, std::uint32_t host_order) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(host_order);
        std::memcpy(&target, &in, sizeof in);
    }
    static void bring_loopback_up() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) fail("socket");
        ifreq request{};
        std::strcpy(request.ifr_name, "lo");
        request.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
        const int rc = ::ioctl(fd, SIOCSIFFLAGS, &request);
        const int saved = errno;
        ::close(fd);
        errno = saved;
        if (rc != 0) fail("bringing lo up in the private namespace");
    }

    int original_ = -1;
};

}  // namespace test_support
