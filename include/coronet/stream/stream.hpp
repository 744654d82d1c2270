// The stream layer in one include (the umbrella coronet.hpp includes it).
#pragma once

#include "coronet/stream/accept_backoff.hpp"
#include "coronet/stream/buffered_stream.hpp"
#include "coronet/stream/byte_stream.hpp"
#include "coronet/stream/connect.hpp"
#include "coronet/stream/create_listener.hpp"
#include "coronet/stream/listener.hpp"
#include "coronet/stream/multi_listener.hpp"
#include "coronet/stream/serve_until.hpp"
#include "coronet/stream/socket_listener.hpp"
#include "coronet/stream/socket_stream.hpp"
#include "coronet/stream/stapled_stream.hpp"
#include "coronet/stream/text_stream.hpp"
#include "coronet/stream/typed_attributes.hpp"
#include "coronet/stream/unix_socket_stream.hpp"
