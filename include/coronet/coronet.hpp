// The umbrella header: everything a coronet program uses.
#pragma once

#include "coronet/base/bytes.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/run.hpp"
#include "coronet/runtime/sleep.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/runtime/task_group.hpp"
#include "coronet/runtime/capacity_limiter.hpp"
#include "coronet/runtime/condition.hpp"
#include "coronet/runtime/event.hpp"
#include "coronet/runtime/lock.hpp"
#include "coronet/runtime/memory_object_stream.hpp"
#include "coronet/runtime/semaphore.hpp"
