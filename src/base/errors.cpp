#include "coronet/base/errors.hpp"

#include <cxxabi.h>

#include <memory>
#include <typeinfo>

namespace coronet {
namespace {

std::string os_error_message(const std::string& operation, const std::string& address) {
    if (address.empty()) return operation;
    return operation + " " + address;
}

std::string demangle(const char* name) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> readable(
        abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return status == 0 && readable ? readable.get() : name;
}

std::string group_message(const std::string& message, std::size_t count) {
    return message + " (" + std::to_string(count) + " sub-exception" + (count == 1 ? "" : "s") +
           ")";
}

}  // namespace

OSError::OSError(int error_number, std::string operation, std::string address)
    : std::system_error(error_number, std::generic_category(),
                        os_error_message(operation, address)),
      operation_(std::move(operation)),
      address_(std::move(address)) {}

ExceptionGroup::ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : Error(group_message(message, exceptions.size())), exceptions_(std::move(exceptions)) {}

void ExceptionGroup::rethrow(std::size_t index) const {
    std::rethrow_exception(exceptions_.at(index));
}

std::string describe_exception(const std::exception_ptr& error) {
    if (!error) return "no exception";
    try {
        std::rethrow_exception(error);
    } catch (const Cancelled&) {
        return "coronet::Cancelled";
    } catch (const ExceptionGroup& group) {
        std::string text = "coronet::ExceptionGroup: " + std::string(group.what()) + ": [";
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (i) text += "; ";
            text += describe_exception(group.exceptions()[i]);
        }
        return text + "]";
    } catch (const std::exception& e) {
        return demangle(typeid(e).name()) + ": " + e.what();
    } catch (...) {
        auto* type = abi::__cxa_current_exception_type();
        return type ? demangle(type->name()) : std::string("unknown exception");
    }
}

void throw_os_error(int error_number, std::string operation, std::string address) {
    throw OSError(error_number, std::move(operation), std::move(address));
}

}  // namespace coronet
