// A DatagramProtocol that records its callbacks, for the datagram endpoint
// tests.
#pragma once

#include <coronet/asyncio/datagram_endpoint.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "asyncio/asyncio_test_support.hpp"

namespace asyncio_test {

struct DgramRecord {
    std::vector<std::string> events;
    std::vector<std::pair<std::string, net::SocketAddress>> datagrams;
    std::vector<std::string> errors;
    asyncio::DatagramTransport* transport = nullptr;
    bool lost = false;
};

struct DgramRecorder : asyncio::DatagramProtocol {
    std::shared_ptr<DgramRecord> rec = std::make_shared<DgramRecord>();
    bool echo = false;
    void connection_made(asyncio::BaseTransport& t) override {
        rec->transport = &dynamic_cast<asyncio::DatagramTransport&>(t);
        rec->events.push_back("made");
    }
    void datagram_received(BytesView d, const net::SocketAddress& from) override {
        rec->events.push_back("datagram");
        rec->datagrams.emplace_back(std::string(d.str()), from);
        if (echo) rec->transport->sendto(d, from);
    }
    void error_received(std::exception_ptr e) override {
        rec->events.push_back("error");
        rec->errors.push_back(describe_exception(e));
    }
    void connection_lost(std::exception_ptr e) override {
        rec->events.push_back(e ? "lost:error" : "lost:ok");
        rec->lost = true;
        rec->transport = nullptr;
    }
};

struct DgramFactory {
    std::shared_ptr<DgramRecord> rec;
    asyncio::ProtocolFactory factory(bool echo = false) {
        return [this, echo] {
            auto p = std::make_unique<DgramRecorder>();
            p->echo = echo;
            rec = p->rec;
            return p;
        };
    }
};

}  // namespace asyncio_test
