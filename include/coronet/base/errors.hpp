// The exceptions coronet raises, named after their AnyIO/Trio counterparts.
//
// Every library error derives from `coronet::Error` (a `std::runtime_error`),
// except `Cancelled`, which deliberately derives from nothing: cancellation is
// control flow, and a `catch (const std::exception&)` in user code must not
// swallow it (catch `Cancelled` explicitly, or use `catch (...)` and rethrow).
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace coronet {

// Base of every coronet error except `Cancelled`.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The peer closed its sending side: no more data will arrive. Raised by
// `receive()` on every byte stream instead of returning an empty buffer.
class EndOfStream : public Error {
  public:
    EndOfStream() : Error("end of stream") {}
    using Error::Error;
};

// The resource was used after we closed it ourselves.
class ClosedResourceError : public Error {
  public:
    ClosedResourceError() : Error("resource is closed") {}
    using Error::Error;
};

// The peer broke the resource (connection reset, broken pipe, ...). Carries the
// errno when the kernel gave one (0 otherwise).
class BrokenResourceError : public Error {
  public:
    explicit BrokenResourceError(const std::string& what, int error_number = 0)
        : Error(what), errno_(error_number) {}
    int error_number() const noexcept { return errno_; }

  private:
    int errno_;
};

// Two tasks tried to receive (or send) on one resource at the same time.
class BusyResourceError : public Error {
  public:
    explicit BusyResourceError(std::string_view action)
        : Error("another task is already " + std::string(action) + " on this resource") {}
};

// A `fail_after`/`fail_at` deadline passed.
class TimeoutError : public Error {
  public:
    TimeoutError() : Error("operation timed out") {}
    using Error::Error;
};

// A `*_nowait` call could not complete without blocking.
class WouldBlock : public Error {
  public:
    WouldBlock() : Error("operation would block") {}
    using Error::Error;
};

// An operating-system call failed. `code()` holds the errno; `operation()` is
// what was attempted ("connect", "bind", ...), `address()` the address involved,
// if any. what() reads like "connect 127.0.0.1:9: Connection refused".
class OSError : public std::system_error {
  public:
    OSError(int error_number, std::string operation, std::string address = {});
    int error_number() const noexcept { return code().value(); }
    const std::string& operation() const noexcept { return operation_; }
    const std::string& address() const noexcept { return address_; }

  private:
    std::string operation_;
    std::string address_;
};

// Raised at an await point inside a cancelled scope. Not a std::exception, on
// purpose: see the top of this file. Let it propagate; the scope that was
// cancelled catches it.
class Cancelled {
  public:
    const char* what() const noexcept { return "cancelled"; }
};

// Several failures from the children of one task group, raised together.
// A task group always raises this type, even for a single failure (Trio's
// strict rule, AnyIO 4), and never includes the group's own cancellation.
class ExceptionGroup : public Error {
  public:
    ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }
    std::size_t size() const noexcept { return exceptions_.size(); }
    // Rethrows exception `index` (handy with a try/catch to inspect its type).
    [[noreturn]] void rethrow(std::size_t index) const;

  private:
    std::vector<std::exception_ptr> exceptions_;
};

// One line describing any exception_ptr, for messages and the loop's
// exception handler: "coronet::OSError: connect 127.0.0.1:9: Connection refused".
std::string describe_exception(const std::exception_ptr& error);

// Throws OSError(errno_value, operation, address); [[noreturn]] helper.
[[noreturn]] void throw_os_error(int error_number, std::string operation, std::string address = {});

}  // namespace coronet
