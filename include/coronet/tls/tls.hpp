// The tls layer in one include (the umbrella coronet.hpp includes it).
#pragma once

#include "coronet/tls/connect_tls.hpp"
#include "coronet/tls/ssl_context.hpp"
#include "coronet/tls/tls_attributes.hpp"
#include "coronet/tls/tls_engine.hpp"
#include "coronet/tls/tls_errors.hpp"
#include "coronet/tls/tls_listener.hpp"
#include "coronet/tls/tls_stream.hpp"
