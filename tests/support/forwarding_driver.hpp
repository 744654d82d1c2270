// A driver that hands every call to the loop's own driver: tests derive from
// it and override the one call they watch or break.
#pragma once

#include <coronet/backend/driver.hpp>

#include <memory>

namespace coronet::test {

class ForwardingDriver : public backend::Driver {
  public:
    std::string_view name() const noexcept override { return inner_->name(); }
    backend::DriverFeatures features() const noexcept override { return inner_->features(); }
    backend::Clock& clock() noexcept override { return inner_->clock(); }
    bool start(backend::Operation& op) override { return inner_->start(op); }
    void cancel(backend::Operation& op) noexcept override { inner_->cancel(op); }
    bool remove_timer(backend::Operation& op) noexcept override { return inner_->remove_timer(op); }
    std::size_t poll(std::optional<Duration> timeout) override { return inner_->poll(timeout); }
    void wake() noexcept override { inner_->wake(); }
    void forget_fd(int fd) noexcept override { inner_->forget_fd(fd); }
    bool holds_input(int fd) const noexcept override { return inner_->holds_input(fd); }
    void release_buffer(const backend::ProvidedBuffer& buffer) noexcept override {
        inner_->release_buffer(buffer);
    }
    std::optional<TimePoint> next_deadline() const noexcept override {
        return inner_->next_deadline();
    }
    std::size_t pending() const noexcept override { return inner_->pending(); }

  private:
    std::unique_ptr<backend::Driver> inner_ = backend::make_driver();
};

}  // namespace coronet::test
