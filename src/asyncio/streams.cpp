// The protocol behind the streams (asyncio's StreamReaderProtocol): it feeds
// the reader from data_received/eof_received, tracks pause/resume_writing
// for drain(), and for servers starts the client_connected task.
#include "coronet/asyncio/streams.hpp"

#include <stdexcept>

#include "asyncio/stream_state.hpp"
#include "coronet/runtime/detail/detached_task.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet::asyncio {
namespace {

using detail::StreamProtocolState;

Task<void> run_handler(std::shared_ptr<ClientConnectedCallback> handler, StreamReader reader,
                       StreamWriter writer) {
    co_await (*handler)(std::move(reader), std::move(writer));
}

class StreamReaderProtocol final : public Protocol {
  public:
    StreamReaderProtocol(StreamReader reader, std::shared_ptr<StreamProtocolState> state,
                         std::shared_ptr<ClientConnectedCallback> handler = {})
        : reader_(std::move(reader)), state_(std::move(state)), handler_(std::move(handler)) {}

    void connection_made(BaseTransport& transport) override {
        auto& t = dynamic_cast<Transport&>(transport);
        reader_.set_transport(&t);
        if (handler_) {
            auto shared = std::dynamic_pointer_cast<Transport>(t.shared_from_this());
            StreamWriter writer(std::move(shared), state_, reader_);
            coronet::detail::spawn_detached(Loop::current(),
                                            run_handler(handler_, reader_, std::move(writer)));
        }
    }
    void data_received(BytesView data) override { reader_.feed_data(data); }
    bool eof_received() override {
        reader_.feed_eof();
        return true;  // keep writing possible; the writer closes
    }
    void connection_lost(std::exception_ptr exc) override {
        if (exc) {
            reader_.set_exception(exc);
        } else {
            reader_.feed_eof();
        }
        reader_.set_transport(nullptr);
        state_->lost = true;
        state_->lost_error = exc;
        StreamProtocolState::wake_all(state_->drain_waiters);
        StreamProtocolState::wake_all(state_->closed_waiters);
    }
    void pause_writing() override { state_->paused = true; }
    void resume_writing() override {
        state_->paused = false;
        StreamProtocolState::wake_all(state_->drain_waiters);
    }

  private:
    StreamReader reader_;
    std::shared_ptr<StreamProtocolState> state_;
    std::shared_ptr<ClientConnectedCallback> handler_;
};

Streams make_streams(const Connection& c, StreamReader reader,
                     std::shared_ptr<StreamProtocolState> state) {
    StreamWriter writer(c.transport, std::move(state), reader);
    return {std::move(reader), std::move(writer)};
}

ProtocolFactory server_factory(ClientConnectedCallback handler, std::int64_t limit) {
    if (!handler) throw std::invalid_argument("start_server: empty client_connected callback");
    StreamReader probe(limit);  // validates the limit now, not per connection
    (void)probe;
    auto shared = std::make_shared<ClientConnectedCallback>(std::move(handler));
    return [shared, limit]() -> std::unique_ptr<BaseProtocol> {
        return std::make_unique<StreamReaderProtocol>(
            StreamReader(limit), std::make_shared<StreamProtocolState>(), shared);
    };
}

}  // namespace

StreamWriter::StreamWriter(std::shared_ptr<Transport> transport,
                           std::shared_ptr<detail::StreamProtocolState> protocol,
                           StreamReader reader)
    : transport_(std::move(transport)), protocol_(std::move(protocol)), reader_(std::move(reader)) {
    if (!transport_ || !protocol_) throw std::invalid_argument("StreamWriter: null transport");
}

Task<void> StreamWriter::drain() {
    auto state = protocol_;
    auto transport = transport_;
    if (auto exc = reader_.exception()) std::rethrow_exception(exc);
    if (transport->is_closing()) co_await sleep(Duration::zero());  // let connection_lost run
    while (true) {
        if (state->lost) {
            if (state->lost_error) std::rethrow_exception(state->lost_error);
            throw BrokenResourceError("drain: connection lost");
        }
        if (!state->paused) co_return;
        Future<void> f(Loop::current());
        state->drain_waiters.push_back(f);
        co_await f;
    }
}

Task<void> StreamWriter::wait_closed() {
    auto state = protocol_;
    if (!state->lost) {
        Future<void> f(Loop::current());
        state->closed_waiters.push_back(f);
        co_await f;
    }
    if (state->lost_error) std::rethrow_exception(state->lost_error);
}

Task<Streams> open_connection(std::string host, int port, StreamOptions options,
                              ConnectionOptions connection) {
    StreamReader reader(options.limit);
    auto state = std::make_shared<StreamProtocolState>();
    ProtocolFactory factory = [reader, state]() -> std::unique_ptr<BaseProtocol> {
        return std::make_unique<StreamReaderProtocol>(reader, state);
    };
    Connection c = co_await create_connection(factory, std::move(host), port, connection);
    co_return make_streams(c, std::move(reader), std::move(state));
}

Task<Streams> open_unix_connection(std::string path, StreamOptions options,
                                   TLSConnectionOptions tls) {
    StreamReader reader(options.limit);
    auto state = std::make_shared<StreamProtocolState>();
    ProtocolFactory factory = [reader, state]() -> std::unique_ptr<BaseProtocol> {
        return std::make_unique<StreamReaderProtocol>(reader, state);
    };
    Connection c = co_await create_unix_connection(factory, std::move(path), tls);
    co_return make_streams(c, std::move(reader), std::move(state));
}

Task<Server> start_server(ClientConnectedCallback handler, std::string host, int port,
                          StreamOptions options, ServerOptions server) {
    ProtocolFactory factory = server_factory(std::move(handler), options.limit);
    co_return co_await create_server(factory, std::move(host), port, server);
}

Task<Server> start_unix_server(ClientConnectedCallback handler, std::string path,
                               StreamOptions options, ServerOptions server) {
    ProtocolFactory factory = server_factory(std::move(handler), options.limit);
    co_return co_await create_unix_server(factory, std::move(path), server);
}

}  // namespace coronet::asyncio
